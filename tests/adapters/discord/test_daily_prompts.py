"""Daily prompts on Discord: a channel's schedule -> prompt embed + thread -> answers (✅) -> streaks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.refs import ChannelRef
from tests.adapters.discord.conftest import START
from tests.adapters.discord.fake_api import APPLICATION_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, components_custom_ids
from tests.adapters.discord.harness import ADMIN, ALICE, BOB, MANAGE_CHANNELS, DiscordHarness

EPHEMERAL = 64
ANSWER = "Shard by user id with consistent hashing; replicate each shard three ways; cache hot keys in Redis."


def followup(fake: FakeDiscord, interaction_id: int) -> dict[str, Any]:
    calls = fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+")
    assert calls, fake.summary()
    body: dict[str, Any] = calls[-1].json
    return body


async def post_due_prompt(harness: DiscordHarness, fake: FakeDiscord) -> tuple[dict[str, Any], int]:
    """Tick at the scheduled time; return the prompt message and its thread id."""
    before = len(fake.posted_in(CHANNEL_ID))
    await harness.service.tick()
    posted = fake.posted_in(CHANNEL_ID)
    assert len(posted) == before + 1, fake.summary()
    prompt = posted[-1]
    (thread,) = [t for t in fake.threads_of(CHANNEL_ID) if t["id"] == prompt["id"]]
    return prompt, int(thread["id"])


async def test_a_daily_prompt_from_schedule_to_streak(harness: DiscordHarness, fake: FakeDiscord) -> None:
    await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, time="09:30", timezone="UTC",
                        weekdays="daily")
    await harness.service.tick()
    assert fake.posted_in(CHANNEL_ID) == []  # 09:00: not yet

    harness.clock.set(START.replace(minute=30))
    prompt, thread_id = await post_due_prompt(harness, fake)
    embed = prompt["embeds"][0]
    assert embed["title"] == "Daily practice"
    assert embed["description"].startswith("**Design challenge: ")
    (checklist_button,) = components_custom_ids(prompt)
    assert checklist_button.startswith("pb:prompt.checklist:")
    assert fake.channels[thread_id]["name"] == "Daily practice Mar 02"

    alice_answer = await harness.say(thread_id, ANSWER)
    bob_answer = await harness.say(thread_id, "Use a database.", user=BOB)
    reactions = fake.find("PUT", rf"/channels/{thread_id}/messages/\d+/reactions/✅/@me")
    assert [c.path.split("/")[4] for c in reactions] == [str(alice_answer), str(bob_answer)]

    await harness.edit(thread_id, alice_answer, ANSWER + " Rebalance with virtual nodes.")
    await harness.delete(thread_id, bob_answer)
    store = harness.service.store
    daily = await store.latest_prompt(ChannelRef("discord", str(CHANNEL_ID), str(GUILD_ID)))
    assert daily is not None
    answers = {a.member.user_id: a for a in await store.answers_for_prompt(daily.id)}
    assert answers[str(ALICE.id)].text.endswith("virtual nodes.") and not answers[str(ALICE.id)].withdrawn
    assert answers[str(BOB.id)].withdrawn

    too_early = await harness.press(prompt, checklist_button)
    note = followup(fake, too_early)
    assert note["flags"] == EPHEMERAL and "revealed when the answer window closes" in note["content"]

    streak = await harness.slash("streak")
    assert "Current streak: **1 day**" in followup(fake, streak)["embeds"][0]["description"]
    bobs = await harness.slash("streak", user=BOB)
    assert "Bob has no practice days yet" in followup(fake, bobs)["content"]  # his only answer was deleted

    # The answer window closes at the end of the local day: the checklist is revealed in the thread.
    harness.clock.set(START.replace(hour=23, minute=59, second=59) + timedelta(seconds=1))
    await harness.service.tick()
    await harness.settle()
    # Longer than Discord's 2000 characters: the core split it into ordered parts in the same thread.
    first, *_, last = [m["content"] for m in fake.posted_in(thread_id)]
    assert first.startswith("**Checklist revealed**\nThe window is closed.")
    assert "Alice: **" in last and "Bob" not in last
    opened = await harness.press(prompt, checklist_button, user=BOB)
    assert followup(fake, opened)["embeds"][0]["title"].startswith("Checklist: ")

    # Tuesday: a new prompt, a new thread; a second day in a row.
    harness.clock.set(START.replace(minute=30) + timedelta(days=1))
    _, tuesday_thread = await post_due_prompt(harness, fake)
    assert tuesday_thread != thread_id
    await harness.say(tuesday_thread, ANSWER)
    streak = await harness.slash("streak")
    assert "Current streak: **2 days**" in followup(fake, streak)["embeds"][0]["description"]
    board = await harness.slash("leaderboard", window="week")
    leaderboard = followup(fake, board)["embeds"][0]
    assert leaderboard["title"] == "Leaderboard, this week"
    assert leaderboard["description"].startswith("1. Alice: 2-day streak")


async def test_prompt_command_posts_now_and_points_to_the_thread(harness: DiscordHarness, fake: FakeDiscord) -> None:
    interaction_id = await harness.slash("prompt")
    (prompt,) = fake.posted_in(CHANNEL_ID)
    reply = followup(fake, interaction_id)
    assert reply["flags"] == EPHEMERAL and f"<#{prompt['id']}>" in reply["content"]
    again = await harness.slash("prompt")
    assert followup(fake, again)["content"].startswith("Today's prompt is already up")
    assert len(fake.posted_in(CHANNEL_ID)) == 1
