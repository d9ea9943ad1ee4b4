"""A real model in the loop: llama.cpp's ``llama-server`` scoring the labelled answers.

Not run in CI: on 2 CPU cores a section takes tens of seconds with SmolLM2-135M and minutes
with a 1.5B model. The script starts ``llama-server`` on 127.0.0.1 (``-nr``: no weight
repacking, which faults in ggml's AMX kernels on this machine's CPU), waits for ``/health``,
scores the chosen labelled answers with the real ``LlmScorer`` (guard included) through the
real ``openai`` client, then prints, next to the offline scorer's figures on the same answers:

* agreement with the labels (item accuracy, macro F1, score MAE);
* the guard's overrule rate: replies rejected as a whole, and, in trusted replies, the items
  whose verdict the guard lowered below the model's claim;
* fallbacks by reason;
* latency and tokens per section.

    python -m bench.llm_real --server /work/llm/bin/llama-server \\
        --model /work/llm/models/SmolLM2-135M-Instruct.Q4_1.gguf --timeout 120 --per-section 3
    LLAMA_SERVER=... LLM_REAL_MODEL=... python -m bench.llm_real --timeout 300 --ids s6-good-prose,...

The binary and model live outside the repository: pass ``--server`` / ``--model`` or set
``LLAMA_SERVER`` / ``LLM_REAL_MODEL`` (see bench/README.md for how to build and fetch them).
``--url`` scores against a server that is already running instead of starting one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import framework
from bot.core.records import ScoreCard
from bot.scoring.evaluate import Agreement, LabelledAnswer, evaluate, load_labelled
from bot.scoring.llm import REJECTED, Judged, LlmScorer, RetryPolicy
from bot.scoring.offline import OfflineScorer
from framework import Scenario, Section

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "scoring" / "labelled_answers.yaml"
_RANK = {"missing": 0, "partial": 1, "covered": 2}


@dataclass
class Record:
    answer_id: str
    section: int
    seconds: float
    card: ScoreCard
    judged: Judged | None = None


@dataclass
class Recording:
    """A ``Scorer`` around the LLM scorer that keeps each card, its latency and the guard's view."""

    inner: LlmScorer
    ids: dict[tuple[int, str], str]
    records: list[Record] = field(default_factory=list)
    last: list[Judged] = field(default_factory=list)
    dump: Any = None
    kind: str = "llm"

    def observe(self, judged: Judged) -> None:
        self.last.append(judged)

    async def score(self, *, section: Section, scenario: Scenario | None, question: str, answer: str) -> ScoreCard:
        self.last.clear()
        started = time.perf_counter()
        card = await self.inner.score(section=section, scenario=scenario, question=question, answer=answer)
        seconds = time.perf_counter() - started
        answer_id = self.ids.get((section.number, answer), "?")
        record = Record(answer_id, section.number, seconds, card, self.last[0] if self.last else None)
        self.records.append(record)
        outcome = card.fallback_reason or "trusted"
        print(f"  {answer_id:<28} {seconds:6.1f} s  {card.prompt_tokens:>5}+{card.completion_tokens:<4} tokens  "
              f"score {card.score:4.1f}  {outcome}", flush=True)
        if self.dump is not None:
            claims = [{"item_id": c.item_id, "verdict": c.verdict, "quote": c.quote}
                      for c in (record.judged.claims if record.judged else ())]
            final = [{"item_id": v.item_id, "verdict": v.verdict} for v in card.verdicts]
            self.dump.write(json.dumps({"id": answer_id, "seconds": round(seconds, 2), "outcome": outcome,
                                        "claims": claims, "final": final}) + "\n")
            self.dump.flush()
        return card


def choose(labelled: Sequence[LabelledAnswer], *, ids: str, sections: str, per_section: int,
           holdout_only: bool) -> list[LabelledAnswer]:
    """The answers to score: ``ids`` if given, else the first ``per_section`` of each chosen section."""
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        by_id = {a.id: a for a in labelled}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise SystemExit(f"unknown answer ids: {', '.join(missing)}")
        return [by_id[i] for i in wanted]
    pool = [a for a in labelled if a.holdout or not holdout_only]
    numbers = {int(s) for s in sections.split(",")} if sections else {a.section for a in pool}
    chosen: list[LabelledAnswer] = []
    for number in sorted(numbers):
        chosen += [a for a in pool if a.section == number][:per_section] if per_section else \
            [a for a in pool if a.section == number]
    return chosen


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:  # noqa: S310  (127.0.0.1 only)
            return bool(reply.status == 200)
    except OSError:
        return False


@contextmanager
def llama_server(binary: Path, model: Path, *, port: int, context: int, threads: int, log: Path) -> Iterator[str]:
    """``llama-server`` on 127.0.0.1:``port`` until the block ends; yields its base URL."""
    if not binary.is_file():
        raise SystemExit(f"llama-server not found at {binary} (set LLAMA_SERVER or pass --server)")
    if not model.is_file():
        raise SystemExit(f"model not found at {model} (set LLM_REAL_MODEL or pass --model)")
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{binary.parent}:{env.get('LD_LIBRARY_PATH', '')}"  # its .so files sit beside it
    command = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", str(context),
               "-np", "1", "-nr"]
    if threads:
        command += ["-t", str(threads)]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 300
            while not _health(url):
                if process.poll() is not None:
                    raise SystemExit(f"llama-server exited with {process.returncode}; see {log}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"llama-server not healthy after 300 s; see {log}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _figures(title: str, agreement: Agreement) -> str:
    f1 = ", ".join(f"{v} {s.f1:.2f}" for v, s in agreement.per_verdict.items())
    return (f"{title:<9} item accuracy {agreement.accuracy:.3f}  macro F1 {agreement.macro_f1:.3f} ({f1})  "
            f"score MAE {agreement.score_mae:.2f}")


def report(records: Sequence[Record], llm: Agreement, offline: Agreement, offline_seconds: float) -> str:
    lines = ["", f"== {len(records)} answers, {llm.items} items", _figures("LLM", llm), _figures("offline", offline)]
    by_answer = {d.answer_id for d in llm.disagreements}
    lines.append(f"          answers with every item agreeing: LLM {len(records) - len(by_answer)}, offline "
                 f"{len(records) - len({d.answer_id for d in offline.disagreements})}")
    trusted = [r for r in records if r.card.scorer == "llm"]
    rejected = [r for r in records if r.card.fallback_reason.startswith(REJECTED)]
    replies = [r for r in records if r.judged is not None]
    lowered = claimed = 0
    for record in trusted:
        assert record.judged is not None
        final = {v.item_id: v.verdict for v in record.card.verdicts}
        for claim in record.judged.claims:
            if claim.verdict != "missing":
                claimed += 1
                lowered += _RANK[final.get(claim.item_id, "missing")] < _RANK[claim.verdict]
    lines += [
        "",
        "guard",
        f"  replies parsed           {len(replies)} of {len(records)}",
        f"  rejected as a whole      {len(rejected)} ({_pct(len(rejected), len(replies))} of parsed replies)",
        f"  trusted                  {len(trusted)}; in them {lowered} of {claimed} credited items lowered "
        f"({_pct(lowered, claimed)})",
    ]
    reasons = Counter(r.card.fallback_reason for r in records if r.card.fallback_reason)
    lines += ["", "fallbacks by reason" + ("" if reasons else ": none")]
    lines += [f"  {count:>4}  {reason}" for reason, count in reasons.most_common()]
    lines += ["", "latency and tokens per section (LLM calls)",
              f"  {'section':>7} {'n':>3} {'mean s':>7} {'max s':>7} {'prompt':>7} {'completion':>10}"]
    for number in sorted({r.section for r in records}):
        rows = [r for r in records if r.section == number]
        seconds = [r.seconds for r in rows]
        lines.append(f"  {number:>7} {len(rows):>3} {sum(seconds) / len(rows):>7.1f} {max(seconds):>7.1f} "
                     f"{sum(r.card.prompt_tokens for r in rows) / len(rows):>7.0f} "
                     f"{sum(r.card.completion_tokens for r in rows) / len(rows):>10.0f}")
    total = sum(r.seconds for r in records)
    lines.append(f"  all     {len(records):>3} {total / max(1, len(records)):>7.1f}  (total {total:.0f} s); "
                 f"offline scorer: {1000 * offline_seconds / max(1, len(records)):.2f} ms per answer")
    return "\n".join(lines)


async def run(args: argparse.Namespace, url: str, chosen: list[LabelledAnswer]) -> str:
    fw = framework.load()
    ids = {(a.section, a.answer): a.id for a in chosen}
    dump = args.dump.open("w") if args.dump else None
    recording = Recording(inner=None, ids=ids, dump=dump)  # type: ignore[arg-type]  # set just below
    llm = LlmScorer(model=args.model_name, fallback=OfflineScorer(), base_url=f"{url}/v1",
                    timeout_seconds=args.timeout, max_concurrency=1, retry=RetryPolicy(max_retries=1),
                    observe=recording.observe)
    recording.inner = llm
    try:
        llm_agreement = await evaluate(recording, chosen, fw)
    finally:
        await llm.aclose()
        if dump is not None:
            dump.close()
    started = time.perf_counter()
    offline_agreement = await evaluate(OfflineScorer(), chosen, fw)
    return report(recording.records, llm_agreement, offline_agreement, time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", type=Path, default=os.environ.get("LLAMA_SERVER") or None,
                        help="the llama-server binary (env LLAMA_SERVER)")
    parser.add_argument("--model", type=Path, default=os.environ.get("LLM_REAL_MODEL") or None,
                        help="a GGUF model file (env LLM_REAL_MODEL)")
    parser.add_argument("--url", default="", help="use an already running OpenAI-compatible server at this base URL "
                        "(without /v1) instead of starting llama-server")
    parser.add_argument("--model-name", default="local", help="model name sent in requests and shown on cards")
    parser.add_argument("--timeout", type=float, default=120.0, help="LLM_TIMEOUT_SECONDS for the scorer "
                        "(120 for SmolLM2-135M, 300 for a 1.5B model on 2 cores)")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--context", type=int, default=8192, help="llama-server -c (one slot)")
    parser.add_argument("--threads", type=int, default=0, help="llama-server -t (default: its own choice)")
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--ids", default="", help="comma-separated labelled answer ids (overrides the rest)")
    parser.add_argument("--sections", default="", help="comma-separated section numbers (default: all)")
    parser.add_argument("--per-section", type=int, default=0, help="first N answers per section (0: all)")
    parser.add_argument("--holdout-only", action="store_true", help="only answers never tuned on")
    parser.add_argument("--dump", type=Path, default=None, help="write each reply's claims and verdicts as JSONL")
    parser.add_argument("--log", type=Path, default=Path("llama-server.log"), help="llama-server's output")
    args = parser.parse_args(argv)
    chosen = choose(load_labelled(args.labelled), ids=args.ids, sections=args.sections,
                    per_section=args.per_section, holdout_only=args.holdout_only)
    if not chosen:
        raise SystemExit("no labelled answers chosen")
    print(f"scoring {len(chosen)} answers: {', '.join(a.id for a in chosen)}", flush=True)
    if args.url:
        print(asyncio.run(run(args, args.url.rstrip("/"), chosen)))
        return
    if args.server is None or args.model is None:
        raise SystemExit("pass --server and --model (or set LLAMA_SERVER and LLM_REAL_MODEL)")
    print(f"model {args.model.name}, timeout {args.timeout:g} s", flush=True)
    with llama_server(args.server, args.model, port=args.port, context=args.context, threads=args.threads,
                      log=args.log) as url:
        print(asyncio.run(run(args, url, chosen)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
