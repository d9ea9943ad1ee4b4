"""``practice-bot export --platform P --member ID --format md|json``: the operators' export."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.records import AnswerDraft, DrillDraft, ItemVerdict, ScoreCard, ScoreDraft
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore

ADA = UserRef("slack", "U0ADA", "T1", "Ada")
BOB = UserRef("slack", "U0BOB", "T1", "Bob")
CHANNEL = ChannelRef("slack", "C0PRACTICE", "T1")
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def export(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING")
    return subprocess.run([sys.executable, "-m", "bot", "export", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


async def seed(url: str) -> None:
    await migrate(url)
    store = SqlStore(create_engine(url))
    try:
        for who in (ADA, BOB):
            thread = ThreadRef(ChannelRef("slack", f"D{who.user_id}", "T1"), "1.0")
            drill = await store.create_drill(DrillDraft(who, CHANNEL, 6, "url-shortener", "s6-store-selection",
                                                        "Which store, and why?", thread, AT))
            answer = await store.record_answer(AnswerDraft(
                who, f"{who.display_name}'s drill answer: Postgres for links", f"slack:T1:D:{who.user_id}", AT,
                AT.date(), MessageRef(thread.channel, "2.0", thread), drill_id=drill.id))
            assert answer is not None
            card = ScoreCard(6, "offline", 5.5, (ItemVerdict("s6-store-selection", "covered", "Postgres"),), "ok")
            await store.save_score(ScoreDraft(card, answer_id=answer.id, created_at=AT))
    finally:
        await store.close()


def test_export_prints_one_members_transcript_as_markdown_or_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    asyncio.run(seed(url))
    markdown = export(url, "--platform", "slack", "--member", "U0ADA")
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# Practice transcript: Ada")
    assert "> Ada's drill answer: Postgres for links" in markdown.stdout and "Bob" not in markdown.stdout
    assert "**Score: 5.5/10** (offline)" in markdown.stdout

    out = tmp_path / "ada.json"
    written = export(url, "--platform", "slack", "--member", "U0ADA", "--format", "json", "--out", str(out))
    assert written.returncode == 0 and written.stdout.strip() == f"wrote {out}"
    data = json.loads(out.read_text())
    assert [a["text"] for d in data["drills"] for a in d["answers"]] == ["Ada's drill answer: Postgres for links"]

    missing = export(url, "--platform", "slack", "--member", "U0NOBODY")
    assert missing.returncode == 1 and "nothing about slack member U0NOBODY is stored" in missing.stderr
    bad = export(url, "--platform", "slack", "--member", " ")
    assert bad.returncode == 2 and "--member takes" in bad.stderr
