"""Stats as pictures on Slack: uploaded through the mock Web API's upload flow
(``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``), personal ones to
the member's direct messages, team ones in the channel; the text fallback when Slack refuses files."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.charts import MatplotlibCharts
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine, migrate
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.slack.conftest import ALICE, CHANNEL, SlackHarness
from tests.adapters.slack.test_interview import SCOPE_ANSWER
from tests.charts.pngs import png_size


@pytest.fixture
async def service(tmp_path: Path, clock: FakeClock) -> AsyncIterator[PracticeService]:
    url = f"sqlite:///{tmp_path / 'slack.db'}"
    await migrate(url)
    store = SqlStore(create_engine(url))
    charts = MatplotlibCharts()
    yield PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock, rng=random.Random(7),
                          charts=charts)
    charts.close()
    await store.close()


async def _practise(slack: SlackHarness) -> None:
    """One interview with a scored answer in section 1 (Scope & Assumptions)."""
    await slack.command("interview url-shortener 15")
    [parent] = slack.roots()
    await slack.say(ALICE, "next", thread_ts=parent.ts)
    await slack.say(ALICE, SCOPE_ANSWER, thread_ts=parent.ts)
    await slack.say(ALICE, "end", thread_ts=parent.ts)


async def test_personal_stats_go_to_the_members_direct_messages(slack: SlackHarness) -> None:
    await _practise(slack)
    [pointer] = await slack.command("stats")
    assert pointer.payload["response_type"] == "ephemeral"
    assert "direct messages" in pointer.payload["text"]
    steps = [c.method for c in slack.api.calls if c.method.startswith(("files.", "conversations.open"))]
    assert steps == ["conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal"]
    assert slack.api.calls_to("conversations.open")[0].params["users"] == ALICE
    [shared] = slack.api.files
    assert shared["channel"] == f"D{ALICE}", "the bot's DM with Alice, not the channel"
    assert shared["name"] == "practice-stats.png"
    width, height = png_size(shared["data"])
    assert (width, height) == (1100, 800)
    assert "Alice's practice" in shared["initial_comment"]
    assert "1. Scope & Assumptions" in shared["initial_comment"], "the summary names the weakest sections"
    assert "calendar" in shared["alt_txt"]


async def test_team_stats_are_posted_in_the_channel(slack: SlackHarness) -> None:
    await _practise(slack)
    assert await slack.command("team quarter") == [], "the upload carries the text: nothing else is said"
    [shared] = slack.api.files
    assert shared["channel"] == CHANNEL
    assert shared["name"] == "practice-team.png"
    assert png_size(shared["data"]) == (1100, 600)
    assert "Practice in this channel, last quarter" in shared["initial_comment"]
    assert "Blind spots" in shared["initial_comment"]
    assert not slack.api.calls_to("conversations.open")


async def test_without_files_write_the_text_fallback_carries_the_facts(slack: SlackHarness) -> None:
    await _practise(slack)
    slack.api.fail_next("files.getUploadURLExternal", status=200, error="missing_scope")
    [answer] = await slack.command("team")
    text = answer.payload["text"]
    assert answer.payload["response_type"] == "in_channel"
    assert "(the picture as text)" in text
    assert "1 Scope & Assumptions:" in text and "nothing scored" in text, "every section's row, gaps included"
    assert not slack.api.files


async def test_export_uploads_the_transcript_and_its_json_to_the_members_direct_messages(slack: SlackHarness) -> None:
    await _practise(slack)
    [pointer] = await slack.command("export")
    assert pointer.payload["response_type"] == "ephemeral" and "direct messages" in pointer.payload["text"]
    markdown, data = slack.api.files
    assert (markdown["channel"], data["channel"]) == (f"D{ALICE}", f"D{ALICE}")
    assert (markdown["name"], data["name"]) == ("practice-transcript.md", "practice-transcript.json")
    assert markdown["data"].decode().startswith("# Practice transcript: ")
    assert SCOPE_ANSWER.splitlines()[0] in markdown["data"].decode()
    assert json.loads(data["data"])["interviews"][0]["scenario"] == "URL shortener"
    assert "as a Markdown transcript and as JSON" in markdown["initial_comment"]
