"""Stats as pictures on Discord, through the real CommandTree and the local fake's multipart uploads:
personal stats as an ephemeral attachment, team stats in the channel, the text fallback without
the Attach Files permission or when Discord refuses the file; and drills in private threads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.charts import MatplotlibCharts
from tests.adapters.discord.conftest import HarnessFactory
from tests.adapters.discord.fake_api import APPLICATION_ID, CHANNEL_ID, FakeDiscord
from tests.adapters.discord.harness import ALICE, ATTACH_FILES, EVERYONE_PERMISSIONS, DiscordHarness
from tests.adapters.discord.test_interviews import ALICE_REF, GOOD_SCOPE, start
from tests.charts.pngs import png_size

EPHEMERAL = 64
MAY_ATTACH = EVERYONE_PERMISSIONS | ATTACH_FILES


@pytest.fixture
async def charts() -> AsyncIterator[MatplotlibCharts]:
    charts = MatplotlibCharts()
    yield charts
    charts.close()


@pytest.fixture
async def harness(make_harness: HarnessFactory, charts: MatplotlibCharts) -> DiscordHarness:
    return await make_harness(charts=charts)


async def _practise(harness: DiscordHarness) -> None:
    """One interview with a scored answer in section 1 (Scope & Assumptions)."""
    thread_id, _ = await start(harness)
    await harness.say(thread_id, "next")
    await harness.say(thread_id, GOOD_SCOPE)
    await harness.say(thread_id, "end")
    await harness.settle()


def _followups(fake: FakeDiscord, interaction_id: int) -> list[Any]:
    return [c for c in fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+", status=200)]


async def test_personal_stats_are_an_ephemeral_attachment_with_alt_text(harness: DiscordHarness,
                                                                        fake: FakeDiscord) -> None:
    await _practise(harness)
    interaction_id = await harness.slash("stats", app_permissions=MAY_ATTACH)
    (deferred,) = fake.find("POST", rf"/interactions/{interaction_id}/[^/]+/callback")
    assert deferred.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    (reply,) = _followups(fake, interaction_id)
    assert reply.json["flags"] & EPHEMERAL, "only the asker sees their stats"
    (upload,) = reply.files
    assert upload["filename"] == "practice-stats.png"
    assert png_size(upload["data"]) == (1100, 800)
    assert "calendar" in upload["description"], "the alt text travels with the file"
    (described,) = reply.json["attachments"]
    assert described["filename"] == "practice-stats.png"
    summary = reply.json["embeds"][0]["description"] if reply.json["embeds"] else reply.json["content"]
    assert "1. Scope & Assumptions" in summary, "the summary beside the picture names the weakest sections"


async def test_team_stats_are_posted_in_the_channel(harness: DiscordHarness, fake: FakeDiscord) -> None:
    await _practise(harness)
    interaction_id = await harness.slash("team", window="quarter", app_permissions=MAY_ATTACH)
    (deferred,) = fake.find("POST", rf"/interactions/{interaction_id}/[^/]+/callback")
    assert deferred.json == {"type": 5}, "a public reply"
    (reply,) = _followups(fake, interaction_id)
    assert not (reply.json.get("flags") or 0) & EPHEMERAL
    (upload,) = reply.files
    assert upload["filename"] == "practice-team.png"
    assert png_size(upload["data"]) == (1100, 600)
    (embed,) = reply.json["embeds"]
    assert "last quarter" in embed["title"]
    assert "Blind spots" in embed["description"]


async def test_without_attach_files_the_text_fallback_carries_the_facts(harness: DiscordHarness,
                                                                         fake: FakeDiscord) -> None:
    await _practise(harness)
    interaction_id = await harness.slash("team", window="quarter")  # app permissions without Attach Files
    replies = _followups(fake, interaction_id)
    assert replies and not any(r.files for r in replies)
    text = "\n".join((r.json["embeds"][0]["description"] if r.json["embeds"] else r.json["content"])
                     for r in replies)
    assert "(the picture as text)" in text
    assert "1 Scope & Assumptions:" in text and "nothing scored" in text, "every section's row, gaps included"


async def test_a_refused_upload_falls_back_to_text(harness: DiscordHarness, fake: FakeDiscord) -> None:
    await _practise(harness)
    fake.refuse_uploads = True
    interaction_id = await harness.slash("stats", app_permissions=MAY_ATTACH)
    replies = _followups(fake, interaction_id)
    refused = fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+", status=413)
    assert len(refused) == 1 and refused[0].files
    assert replies and not any(r.files for r in replies)
    assert all(r.json["flags"] & EPHEMERAL for r in replies), "the fallback stays private too"
    text = "\n".join((r.json["embeds"][0]["description"] if r.json["embeds"] else r.json["content"])
                     for r in replies)
    assert "(the picture as text)" in text


async def test_a_drill_is_a_private_thread_even_without_private_interviews(harness: DiscordHarness,
                                                                           fake: FakeDiscord) -> None:
    interaction_id = await harness.slash("drill")
    (opened,) = fake.find("POST", rf"/channels/{CHANNEL_ID}/threads")
    assert opened.json["type"] == 12, "a private thread, though DISCORD_PRIVATE_THREADS is off"
    thread_id = int(fake.threads_of(CHANNEL_ID)[0]["id"]) if fake.threads_of(CHANNEL_ID) else None
    assert thread_id is not None
    assert fake.find("PUT", rf"/channels/{thread_id}/thread-members/{ALICE.id}"), "the member is added"
    (question,) = fake.posted_in(thread_id)
    assert question["embeds"][0]["title"].startswith("Drill: ")
    (pointer,) = _followups(fake, interaction_id)
    assert pointer.json["flags"] & EPHEMERAL and f"<#{thread_id}>" in pointer.json["content"]
    await harness.say(thread_id, GOOD_SCOPE)
    await harness.settle()
    scored = fake.posted_in(thread_id)[-1]
    assert scored["embeds"][0]["title"] == "Drill scored"
    streak = await harness.service.store.get_streak(ALICE_REF)
    assert streak is not None and streak.total_days == 1


async def test_history_and_export_are_private_and_the_export_is_two_files(harness: DiscordHarness,
                                                                          fake: FakeDiscord) -> None:
    await _practise(harness)
    listed = await harness.slash("history")
    (history,) = _followups(fake, listed)
    assert history.json["flags"] & EPHEMERAL
    assert "URL shortener, 30 min, ended" in history.json["embeds"][0]["description"]
    exported = await harness.slash("export", app_permissions=MAY_ATTACH)
    (reply,) = _followups(fake, exported)
    assert reply.json["flags"] & EPHEMERAL
    assert [f["filename"] for f in reply.files] == ["practice-transcript.md", "practice-transcript.json"]
    assert reply.files[0]["data"].decode().startswith("# Practice transcript: Alice")
    assert GOOD_SCOPE in reply.files[0]["data"].decode()
    assert json.loads(reply.files[1]["data"])["member"]["id"] == str(ALICE.id)
