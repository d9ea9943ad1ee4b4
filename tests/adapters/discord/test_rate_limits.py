"""A 429 from Discord is waited out and retried by discord.py, for REST posts and interaction callbacks."""

from __future__ import annotations

from bot.core.refs import UserRef
from tests.adapters.discord.fake_api import GUILD_ID, FakeDiscord
from tests.adapters.discord.harness import ALICE, DiscordHarness


async def test_a_rate_limited_post_in_the_thread_is_retried(harness: DiscordHarness, fake: FakeDiscord) -> None:
    await harness.slash("interview", scenario="url-shortener")
    interview = await harness.service.store.active_interview(UserRef("discord", str(ALICE.id), str(GUILD_ID)))
    assert interview is not None and interview.thread is not None
    thread_id = interview.thread.thread_id
    fake.rate_limit("POST", rf"/channels/{thread_id}/messages", retry_after=0.05)

    await harness.say(int(thread_id), "next")

    attempts = fake.find("POST", rf"/channels/{thread_id}/messages")
    assert [c.status for c in attempts] == [200, 429, 200]  # phase one, then phase two: refused once, retried
    assert attempts[2].at - attempts[1].at >= 0.05  # waited retry_after before trying again
    assert attempts[1].json == attempts[2].json
    assert fake.posted_in(int(thread_id))[-1]["embeds"][0]["title"] == "1. Scope & Assumptions"
    record = await harness.service.store.get_interview(interview.id)
    assert record is not None and record.phase_index == 1


async def test_a_rate_limited_interaction_callback_is_retried(harness: DiscordHarness, fake: FakeDiscord) -> None:
    fake.rate_limit("POST", r"/interactions/\d+/[^/]+/callback", retry_after=0.02)
    interaction_id = await harness.slash("help")
    callbacks = fake.find("POST", rf"/interactions/{interaction_id}/[^/]+/callback")
    assert [c.status for c in callbacks] == [429, 200]
    assert callbacks[1].json["data"]["embeds"][0]["title"].startswith("Practice bot")
