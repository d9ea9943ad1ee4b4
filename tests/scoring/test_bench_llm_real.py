"""``bench.llm_real`` against the local fake server (``--url``): the report has every figure it promises."""

from __future__ import annotations

import pytest

from bench import llm_real
from tests.scoring import fake_llm_server as fakes


def test_the_report_has_agreement_overrules_fallbacks_latency_and_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    with fakes.running(fakes.naive_brain("item-text")) as fake:  # a model that credits all, quoting the rubric
        fake.queue(fakes.slow(3))
        llm_real.main(["--url", fake.base_url.removesuffix("/v1"), "--timeout", "0.3",
                       "--ids", "s6-good-prose,s2-medium-realistic,s3-partial-prose"])

    out = capsys.readouterr().out
    assert "== 3 answers" in out
    assert "LLM       item accuracy" in out and "offline   item accuracy" in out
    assert "rejected as a whole      2 (100.0 % of parsed replies)" in out
    assert "     1  timed out" in out
    assert "latency and tokens per section" in out and "offline scorer:" in out


def test_unknown_ids_are_refused() -> None:
    with pytest.raises(SystemExit, match="unknown answer ids: nope"):
        llm_real.main(["--url", "http://127.0.0.1:9", "--ids", "nope"])
