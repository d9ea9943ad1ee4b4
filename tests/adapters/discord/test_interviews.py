"""Mock interviews on Discord: command -> parent message -> thread -> phases, answers, buttons, scorecard."""

from __future__ import annotations

import re
from typing import Any

from bot.core.records import InterviewRecord
from bot.core.refs import UserRef
from tests.adapters.discord.conftest import HarnessFactory
from tests.adapters.discord.fake_api import APPLICATION_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, components_custom_ids
from tests.adapters.discord.harness import ALICE, BOB, DiscordHarness

EPHEMERAL = 64
ALICE_REF = UserRef("discord", str(ALICE.id), str(GUILD_ID), "Alice")
GOOD_SCOPE = (
    "Why now: the business goal is user growth; stakeholders are marketing. Personas: casual users and "
    "enterprise admins; MVP journeys are create and redirect. Targets: p95 latency under 50 ms, 10k requests "
    "per second, 99.9% availability SLA with an error budget. KPIs: conversion, retention, MTTR. GDPR applies."
)


def titles(messages: list[dict[str, Any]]) -> list[str]:
    return [m["embeds"][0].get("title", "") if m["embeds"] else m["content"] for m in messages]


async def start(harness: DiscordHarness, minutes: int = 30) -> tuple[int, InterviewRecord]:
    await harness.slash("interview", scenario="url-shortener", minutes=minutes)
    interview = await harness.service.store.active_interview(ALICE_REF)
    assert interview is not None and interview.thread is not None
    return int(interview.thread.thread_id), interview


async def current(harness: DiscordHarness, interview_id: int) -> InterviewRecord:
    record = await harness.service.store.get_interview(interview_id)
    assert record is not None
    return record


async def test_the_command_opens_a_thread_from_its_parent_message_and_posts_phase_one(
    harness: DiscordHarness, fake: FakeDiscord
) -> None:
    thread_id, interview = await start(harness)
    after_sync = [f"{c.method} {c.path}" for c in fake.calls[3:]]
    (callback,) = [c for c in fake.calls if c.path.endswith("/callback")]
    parent = fake.posted_in(CHANNEL_ID)[0]
    assert after_sync == [
        f"POST {callback.path}",  # deferred first: the work below may take more than 3 s
        f"POST /channels/{CHANNEL_ID}/messages",  # the parent message, in the channel
        f"POST /channels/{CHANNEL_ID}/messages/{parent['id']}/threads",  # the thread, from that message
        f"POST /webhooks/{APPLICATION_ID}/{callback.path.split('/')[3]}",  # the ephemeral pointer
        f"POST /channels/{thread_id}/messages",  # phase one, inside the thread: the outbox posts it
    ]
    assert callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert parent["embeds"][0]["title"] == "Mock interview: URL shortener"
    assert "Alice is designing **URL shortener** (30 min, senior level," in parent["embeds"][0]["description"]
    assert fake.channels[thread_id]["name"] == "Mock interview: URL shortener"
    assert fake.channels[thread_id]["parent_id"] == str(CHANNEL_ID)
    (phase_one,) = fake.posted_in(thread_id)
    assert phase_one["embeds"][0]["title"] == "0. Real-World Framing"
    assert components_custom_ids(phase_one) == [f"pb:interview.{a}:{interview.id}-0" for a in ("next", "hint", "end")]
    pointer = fake.calls[-2].json
    assert pointer["flags"] == EPHEMERAL and f"<#{thread_id}>" in pointer["content"]

    await harness.say(thread_id, "next")
    assert titles(fake.posted_in(thread_id)) == ["0. Real-World Framing", "1. Scope & Assumptions"]


async def test_private_threads_add_the_candidate(make_harness: HarnessFactory, fake: FakeDiscord) -> None:
    harness = await make_harness(discord_private_threads=True)
    thread_id, _ = await start(harness)
    (created,) = fake.find("POST", rf"/channels/{CHANNEL_ID}/threads")
    assert created.json["type"] == 12 and created.json["invitable"] is False
    assert fake.find("PUT", rf"/channels/{thread_id}/thread-members/{ALICE.id}")
    assert not fake.find("POST", rf"/channels/{CHANNEL_ID}/messages/\d+/threads")
    assert titles(fake.posted_in(thread_id)) == ["0. Real-World Framing"]


async def test_thread_messages_are_answers_edits_update_and_deletions_withdraw(
    harness: DiscordHarness, fake: FakeDiscord
) -> None:
    thread_id, interview = await start(harness)
    await harness.say(thread_id, "next")
    answer_id = await harness.say(thread_id, GOOD_SCOPE)
    await harness.say(thread_id, "Nice one, Alice", user=BOB)  # a comment, not an answer
    await harness.say(CHANNEL_ID, "chatter in the channel")  # outside the thread: ignored
    await harness.say(thread_id, GOOD_SCOPE, message_id=answer_id)  # a gateway replay of the same message

    answers = await harness.service.store.answers_for_phase(interview.id, 1)
    assert [(a.text, a.member.user_id, a.withdrawn) for a in answers] == [(GOOD_SCOPE, str(ALICE.id), False)]
    assert answers[0].event_key == f"discord:{GUILD_ID}:{thread_id}:{answer_id}"
    assert answers[0].message is not None and answers[0].message.thread is not None
    assert answers[0].message.thread.thread_id == str(thread_id)

    await harness.edit(thread_id, answer_id, "Personas, SLAs and KPIs first.")
    await harness.delete(CHANNEL_ID, 42)  # a deletion elsewhere changes nothing
    (edited,) = await harness.service.store.answers_for_phase(interview.id, 1)
    assert edited.text == "Personas, SLAs and KPIs first." and not edited.withdrawn
    await harness.delete(thread_id, answer_id)
    (deleted,) = await harness.service.store.answers_for_phase(interview.id, 1)
    assert deleted.withdrawn


async def test_a_whole_interview_on_the_fake_clock(harness: DiscordHarness, fake: FakeDiscord) -> None:
    thread_id, interview = await start(harness, minutes=10)
    phases = len(interview.phases)
    record = interview
    while record.status == "active":
        await harness.say(thread_id, GOOD_SCOPE)
        assert record.nudge_at is not None and record.phase_deadline_at is not None
        if not record.nudged:
            harness.clock.set(record.nudge_at)
            await harness.service.tick()
            assert fake.posted_in(thread_id)[-1]["content"].startswith("About ")
        harness.clock.set(record.phase_deadline_at)
        await harness.service.tick()
        await harness.settle()
        record = await current(harness, interview.id)
    assert record.status == "finished"

    posted = fake.posted_in(thread_id)
    def body(m: dict[str, Any]) -> str:
        return m["embeds"][0].get("description", "") if m["embeds"] else m["content"]

    opened = [body(m) for m in posted if re.search(r"Phase \d+ of \d+", body(m))]
    assert [re.search(r"Phase (\d+) of", b).group(1) for b in opened] == [  # type: ignore[union-attr]
        str(n) for n in range(1, phases + 1)]  # every phase opened, in order, inside the thread
    # from the second phase on: "Time is up" for the phase before, its score, then the question, in one
    # message, scorer named
    assert all(b.startswith("Time is up for ") for b in opened[1:])
    assert all(re.match(r"[^\n]+: \*\*\d+\.\d/10\*\*", b.split("\n\n", 1)[1]) for b in opened[1:])
    assert all(m["embeds"][0]["footer"]["text"] == "Scored by: offline"
               for m in posted if m["embeds"] and re.search(r"Phase [2-9] of", body(m)))
    assert sum("Moving on." in body(m) for m in posted) == phases - 1
    assert "your scorecard follows" in [m["content"] for m in posted if m["content"].startswith("Time is up")][-1]
    (card,) = [m for m in posted if m["embeds"] and m["embeds"][0].get("title", "").startswith("Scorecard")]
    embed = card["embeds"][0]
    assert embed["title"] == "Scorecard: URL shortener"
    assert len(embed["fields"]) == phases
    assert all(field["value"].endswith("/10") for field in embed["fields"])
    assert embed["footer"]["text"] == "Scored by: offline"
    assert all(m["channel_id"] == str(thread_id) for m in posted)


async def test_buttons_steer_the_interview_and_answer_the_clicker_privately(
    harness: DiscordHarness, fake: FakeDiscord
) -> None:
    thread_id, interview = await start(harness)
    phase_one = fake.posted_in(thread_id)[0]
    hint = await harness.press(phase_one, f"pb:interview.hint:{interview.id}-0")
    (ack,) = fake.find("POST", rf"/interactions/{hint}/[^/]+/callback")
    assert ack.json == {"type": 6}  # acknowledged silently; the hint goes to the thread
    assert fake.posted_in(thread_id)[-1]["content"].startswith("**Hint**\n")

    stranger = await harness.press(phase_one, f"pb:interview.next:{interview.id}-0", user=BOB)
    (note,) = fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{stranger}-\d+")
    assert note.json["flags"] == EPHEMERAL
    assert note.json["content"].startswith("Only Alice can steer this interview")
    assert (await current(harness, interview.id)).phase_index == 0

    await harness.press(phase_one, f"pb:interview.next:{interview.id}-0")
    assert (await current(harness, interview.id)).phase_index == 1
    await harness.press(fake.posted_in(thread_id)[-1], f"pb:interview.end:{interview.id}-1")
    await harness.settle()
    assert (await current(harness, interview.id)).status == "ended"
    assert titles(fake.posted_in(thread_id))[-1] == "Scorecard: URL shortener"


async def test_a_button_pressed_after_a_restart_still_works(make_harness: HarnessFactory, fake: FakeDiscord) -> None:
    before = await make_harness()
    thread_id, interview = await start(before)
    phase_one = fake.posted_in(thread_id)[0]
    await before.close()

    after = await make_harness()  # a new process: new client, new service, same database
    restarted_at = len(fake.calls)
    await after.press(phase_one, components_custom_ids(phase_one)[0])
    assert (await current(after, interview.id)).phase_index == 1
    new_calls = [f"{c.method} {c.path}" for c in fake.calls[restarted_at:]]
    assert f"POST /channels/{thread_id}/messages" in new_calls
    assert titles(fake.posted_in(thread_id))[-1] == "1. Scope & Assumptions"


async def test_a_follow_up_about_what_the_answer_missed_comes_in_the_thread(
    harness: DiscordHarness, fake: FakeDiscord
) -> None:
    thread_id, interview = await start(harness, minutes=45)
    await harness.say(thread_id, "next")
    await harness.say(thread_id, "We keep it simple: the team knows Postgres.")
    harness.clock.advance(seconds=19)
    await harness.service.tick()
    await harness.settle()
    assert "Follow-up" not in titles(fake.posted_in(thread_id))
    harness.clock.advance(seconds=1)
    await harness.service.tick()
    await harness.settle()
    asked = [m for m in fake.posted_in(thread_id) if m["embeds"] and m["embeds"][0].get("title") == "Follow-up"]
    assert len(asked) == 1 and asked[0]["channel_id"] == str(thread_id)
    assert asked[0]["embeds"][0]["description"].endswith("?")
    record = await current(harness, interview.id)
    assert record.probes_asked == 1
