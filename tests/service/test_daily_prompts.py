"""Daily prompts: schedule -> claimed post -> thread answers -> streak -> reveal."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.core.guard import guarded
from bot.core.messages import Action, InMessage
from bot.core.prompts import CHECKLIST
from bot.core.records import ChannelMove, ChannelRecord, Schedule
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.scheduling.clock import FakeClock
from tests.service.conftest import ALICE, BOB, CHANNEL, START, ServiceFactory, ctx


def reply_in(thread: ThreadRef, user: UserRef, text: str, n: int, clock: FakeClock) -> InMessage:
    ref = MessageRef(thread.channel, f"r{n}", thread)
    return InMessage(ref=ref, author=user, text=text, event_key=f"console:r{n}", sent_at=clock.now())


async def test_non_admin_cannot_change_the_schedule(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, _ = await make_service(clock)
    refused = await guarded(service.handle_command(ctx(BOB), "schedule 09:30 UTC mon-fri"), what="t")
    assert "Only workspace admins" in refused.messages[0].text
    assert refused.messages[0].ephemeral
    assert await service.store.get_channel(CHANNEL) is None
    shown = await service.handle_command(ctx(BOB), "schedule")
    assert "No daily prompts here" in shown.messages[0].text


async def test_schedule_to_answer_to_streak_to_reveal(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    reply = await service.handle_command(ctx(can_manage=True), "schedule 10:00 Europe/Berlin daily")
    assert "10:00 Europe/Berlin" in reply.messages[0].text
    assert not reply.messages[0].ephemeral
    # the next prompt in the channel's zone, named (today's said "Next: 2026-03-03 09:00 UTC")
    assert "Next: Tue 2026-03-03 10:00 (Europe/Berlin)." in reply.messages[0].text
    assert "every day" in reply.messages[0].text and "UTC" not in reply.messages[0].text
    # START (Mon 09:00 UTC) is 10:00 in Berlin: the first prompt is Tuesday's
    await service.tick()
    assert chat.sent == []
    clock.set(START + timedelta(days=1))
    await service.tick()
    prompts = chat.in_channel(CHANNEL)
    assert len(prompts) == 1 and prompts[0].startswith("*Daily practice*")
    thread = chat.threads[-1]
    prompt = await service.store.prompt_by_thread(thread)
    assert prompt is not None

    early = await service.handle_action(Action(CHECKLIST, str(prompt.id), ALICE, chat.sent[0].ref, "c1"))
    assert "revealed when the answer window closes (Wed 2026-03-04 00:00 (Europe/Berlin))" in early.messages[0].text
    assert "UTC" not in early.messages[0].text

    answer = reply_in(thread, ALICE, "Postgres for links, Redis cache with TTL, shard by key hash.", 1, clock)
    await service.handle_message(answer)
    await service.handle_message(answer)  # redelivered
    await service.handle_message(reply_in(thread, BOB, "   ", 2, clock))  # empty: not an answer
    assert len(await service.store.answers_for_prompt(prompt.id)) == 1
    assert chat.reactions == [(answer.ref, "white_check_mark")]
    after = await service.handle_action(Action(CHECKLIST, str(prompt.id), ALICE, chat.sent[0].ref, "c1b"))
    assert after.messages[0].text.startswith("Thanks, your answer is in.")
    assert "Answer first" not in after.messages[0].text
    streak = await service.handle_command(ctx(), "streak")
    assert "Current streak: *1 day*" in streak.messages[0].text

    await service.tick()
    assert len(chat.in_channel(CHANNEL)) == 1, "one prompt a day"

    clock.set(prompt.closes_at + timedelta(seconds=1))
    await service.tick()
    await service.dispatcher.drain()
    reveal = chat.in_thread(thread)[-1]
    assert reveal.startswith("*Checklist revealed*")
    assert "Alice: *" in reveal and "(offline)" in reveal
    late = await service.handle_action(Action(CHECKLIST, str(prompt.id), ALICE, chat.sent[0].ref, "c2"))
    assert late.messages[0].title.startswith("Checklist:")

    board = await service.handle_command(ctx(), "leaderboard week")
    assert "1. Alice: 1-day streak" in board.messages[0].text


async def test_edits_update_and_deletes_withdraw(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(can_manage=True), "prompt")
    thread = chat.threads[-1]
    prompt = await service.store.prompt_by_thread(thread)
    assert prompt is not None
    message = reply_in(thread, ALICE, "first draft", 1, clock)
    await service.handle_message(message)
    await service.handle_edit(message.event_key, "better answer: CDN and cache")
    answers = await service.store.answers_for_prompt(prompt.id)
    assert [a.text for a in answers] == ["better answer: CDN and cache"]
    await service.handle_delete(message.event_key)
    answers = await service.store.answers_for_prompt(prompt.id)
    assert answers[0].withdrawn
    streak = await service.store.get_streak(ALICE)
    assert streak is None or streak.total_days == 0


async def test_prompt_now_once_a_day(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(), "prompt")
    assert len(chat.in_channel(CHANNEL)) == 1
    again = await guarded(service.handle_command(ctx(), "prompt"), what="t")
    assert "Today's prompt is already up" in again.messages[0].text


async def test_replies_after_the_window_closes_do_not_count(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(), "prompt")
    thread = chat.threads[-1]
    prompt = await service.store.prompt_by_thread(thread)
    assert prompt is not None
    clock.set(prompt.closes_at + timedelta(days=3))
    await service.handle_message(reply_in(thread, ALICE, "Late but thoughtful: shard by hash.", 9, clock))
    assert await service.store.answers_for_prompt(prompt.id) == []
    assert chat.reactions == []
    assert await service.store.get_streak(ALICE) is None


async def test_after_days_down_todays_prompt_is_still_posted(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(can_manage=True), "schedule 09:30 UTC daily")
    # the bot goes down before Monday's 09:30 and comes back on Wednesday at 10:00
    clock.set(START + timedelta(days=2, hours=1))
    await service.tick()
    prompts = [p for p in chat.in_channel(CHANNEL) if p.startswith("*Daily practice*")]
    assert len(prompts) == 1  # Wednesday's, late; Monday's and Tuesday's are not posted
    latest = await service.store.latest_prompt(CHANNEL)
    assert latest is not None and latest.local_date == (START + timedelta(days=2)).date()
    channel = await service.store.get_channel(CHANNEL)
    assert channel is not None and channel.next_prompt_at == START + timedelta(days=3, minutes=30)


async def test_channels_that_fail_do_not_hold_up_the_rest_of_the_fan_out(
    make_service: ServiceFactory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.core.prompts._prompts as prompts_module

    monkeypatch.setattr(prompts_module, "FANOUT_ROUND", 3)
    monkeypatch.setattr(prompts_module, "FANOUT_BATCH", 2)
    service, chat = await make_service(clock)
    schedule = Schedule(local_time=clock.now().time(), timezone="UTC", weekdays=frozenset(range(7)))
    channels = [ChannelRef("console", f"C{n}", "W1") for n in range(8)]
    for where in channels:
        await service.store.save_schedule(where, schedule=schedule, next_prompt_at=clock.now())
    broken = {"C0", "C1", "C2", "C3"}  # more than a whole round, first in line
    original = service.prompts._channel_move

    async def failing(channel: ChannelRecord, now: datetime) -> ChannelMove | None:
        if channel.ref.channel_id in broken:
            raise ValueError("content changed under this channel")
        return await original(channel, now)

    monkeypatch.setattr(service.prompts, "_channel_move", failing)
    await asyncio.wait_for(service.tick(), timeout=10)
    assert [w.channel_id for w in channels if chat.in_channel(w)] == ["C4", "C5", "C6", "C7"]
    assert sorted(c.ref.channel_id for c in await service.store.due_channels(clock.now())) == sorted(broken)

    broken.clear()  # fixed: the next tick posts the rest
    await service.tick()
    assert all(len(chat.in_channel(w)) == 1 for w in channels)


async def test_the_next_prompt_is_weighted_by_the_channels_scored_answers(make_service: ServiceFactory,
                                                                          clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(), "prompt")
    await service.dispatcher.drain()
    thread = chat.threads[-1]
    prompt = await service.store.prompt_by_thread(thread)
    assert prompt is not None
    assert await service.prompts.channel_practice(CHANNEL, START.date()) == {}, "nothing scored yet"
    await service.handle_message(reply_in(thread, ALICE, "Postgres for links, Redis cache with TTL.", 1, clock))
    clock.set(prompt.closes_at + timedelta(seconds=1))
    await service.tick()
    await service.dispatcher.drain()
    practice = await service.prompts.channel_practice(CHANNEL, clock.now().date())
    assert list(practice) == [prompt.section]
    assert practice[prompt.section].answers == 1
    other = ChannelRef(CHANNEL.platform, "elsewhere", CHANNEL.workspace)
    assert await service.prompts.channel_practice(other, clock.now().date()) == {}, "only this channel's answers"
    later = clock.now().date() + timedelta(days=31)
    assert await service.prompts.channel_practice(CHANNEL, later) == {}, "only the last 30 days"
