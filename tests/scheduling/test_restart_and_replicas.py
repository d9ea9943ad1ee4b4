"""The database is the truth for time: restarts resume, replicas never double-post."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.leases import LEASE_SECONDS
from bot.core.messages import CommandContext, InMessage
from bot.core.records import OutboxDraft
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.scheduling.clock import FakeClock
from tests.fakes import RecordingChat
from tests.service.conftest import ALICE, START, ServiceFactory, ctx


async def test_restart_after_the_deadline_posts_the_overdue_phase_once(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    first, chat = await make_service(clock)
    await first.handle_command(ctx(), "interview url-shortener 45")
    await first.dispatcher.drain()
    thread = chat.threads[-1]
    assert len(chat.in_thread(thread)) == 1
    # the process stops here; time passes beyond the phase's deadline (1 minute)
    clock.advance(minutes=3)
    second, chat_after = await make_service(clock, chat=RecordingChat())
    await second.tick()  # the first tick after start-up
    await second.tick()
    await second.dispatcher.drain()
    inside = chat_after.in_thread(thread)
    # one message per phase change: "Time is up" opens the next phase's question
    assert [t.split("\n\n")[0] for t in inside] == ["Time is up for *Real-World Framing*. Moving on."]
    assert inside[0].split("\n\n")[1].startswith("*1. Scope & Assumptions*")
    interview = await second.store.active_interview(ALICE)
    assert interview is not None and interview.phase_index == 1
    # the new phase gets its full budget from the restart, not from the missed deadline
    assert interview.phase_deadline_at == clock.now() + timedelta(minutes=5)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_processes_post_each_prompt_and_phase_once(make_service: ServiceFactory) -> None:
    """Two services, each with its own engine (as two processes), tick one PostgreSQL at once."""
    clock = FakeClock(START)
    shared_chat = RecordingChat()
    a, _ = await make_service(clock, chat=shared_chat, seed=1)
    b, _ = await make_service(clock, chat=shared_chat, seed=2)
    channels = [ChannelRef("console", f"C{n}", "W1") for n in range(20)]
    for channel in channels:
        await a.handle_command(CommandContext(channel, ALICE, can_manage=True), "schedule 09:30 UTC daily")
    candidates = [UserRef("console", f"u{n}", "W1", f"U{n}") for n in range(10)]
    for n, user in enumerate(candidates):
        await a.handle_command(CommandContext(channels[n], user), "interview url-shortener 45")
    opened = len(shared_chat.sent)
    clock.advance(minutes=31)  # every prompt due; every phase 0 (1 min) overdue
    await asyncio.gather(*(svc.tick() for svc in (a, b, a, b)))
    await asyncio.gather(a.dispatcher.drain(), b.dispatcher.drain())
    new = shared_chat.sent[opened:]
    prompts = [s for s in new if s.message.text.startswith("*Daily practice*")]
    assert len(prompts) == 20
    assert {s.where for s in prompts} == set(channels)
    phase_ones = [s for s in new if "\n\n*1. Scope & Assumptions*" in s.message.text]
    assert len(phase_ones) == 10
    assert len({s.where for s in phase_ones}) == 10
    time_ups = [s for s in new if s.message.text.startswith("Time is up")]
    assert time_ups == phase_ones  # each phase change is one message: "Time is up", then the question


async def test_one_broken_row_does_not_stop_the_others(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(), "interview url-shortener 45")
    good_thread = chat.threads[-1]
    bob = UserRef("console", "bob", "W1", "Bob")
    await service.handle_command(CommandContext(ChannelRef("console", "C2", "W1"), bob), "interview chat-app 45")
    broken = await service.store.active_interview(bob)
    assert broken is not None
    # the content changed under a running interview: its scenario no longer exists
    object.__setattr__(service.framework, "scenarios",
                       tuple(s for s in service.framework.scenarios if s.id != "chat-app"))
    try:
        clock.advance(minutes=2)
        await service.tick()
        await service.dispatcher.drain()
    finally:
        from framework import load

        load.cache_clear()
    time_up, question = chat.in_thread(good_thread)[-1].split("\n\n", 1)
    assert time_up.startswith("Time is up for *Real-World Framing*")
    assert question.startswith("*1. Scope & Assumptions*")


async def test_rows_a_killed_process_had_claimed_go_out_once_its_lease_expires(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    """No 5-minute stale window: a dead process's claims are free as soon as its lease expires."""
    dead, _ = await make_service(clock)
    where = ChannelRef("console", "C1", "W1")
    await dead.store.enqueue([OutboxDraft(where, f"row {n}", "notice", f"row-{n}") for n in range(3)])
    # It claims the rows and is killed before it sends them: nothing is handed back.
    claimed = await dead.store.claim_outbox(clock.now(), lease=await dead.lease.current(), limit=10)
    assert len(claimed) == 3

    clock.advance(seconds=LEASE_SECONDS - 1)
    restarted, chat = await make_service(clock, chat=RecordingChat())
    await restarted.dispatcher.flush()
    assert chat.in_channel(where) == []  # the lease may still be alive: its owner could be sending

    clock.advance(seconds=1)  # a renewal period missed for good: the lease has expired
    await restarted.dispatcher.flush()
    assert chat.in_channel(where) == ["row 0", "row 1", "row 2"]
    await restarted.dispatcher.flush()
    assert chat.in_channel(where) == ["row 0", "row 1", "row 2"]


async def test_a_live_process_keeps_its_claims_however_long_its_job_takes(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    working, _ = await make_service(clock)
    other, chat = await make_service(clock, chat=RecordingChat())
    where = ChannelRef("console", "C1", "W1")
    await working.store.enqueue([OutboxDraft(where, "scoring", "notice", "slow-job")])
    assert len(await working.store.claim_outbox(clock.now(), lease=await working.lease.current())) == 1
    for _ in range(60):  # ten minutes of renewals while the job runs
        clock.advance(seconds=10)
        await working.lease.renew()
        await other.dispatcher.flush()
    assert chat.in_channel(where) == []


async def test_a_follow_up_due_while_the_bot_was_down_is_asked_once_after_the_restart(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    first, chat = await make_service(clock)
    await first.handle_command(ctx(), "interview url-shortener 45")
    thread = chat.threads[-1]
    await first.handle_message(_said(thread, "next", 1, clock))
    await first.handle_message(_said(thread, "We keep it simple: the team knows Postgres.", 2, clock))
    # the process stops before the candidate's pause is over; the follow-up's due time is in the database
    clock.advance(seconds=30)
    second, chat_after = await make_service(clock, chat=RecordingChat())
    await second.tick()
    await second.tick()
    await second.dispatcher.drain()
    third, chat_later = await make_service(clock, chat=RecordingChat())
    await third.tick()
    await third.dispatcher.drain()
    asked = [t for t in chat_after.in_thread(thread) if t.startswith("*Follow-up*")]
    assert len(asked) == 1
    assert [t for t in chat_later.in_thread(thread) if t.startswith("*Follow-up*")] == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_processes_ask_each_follow_up_once(make_service: ServiceFactory) -> None:
    clock = FakeClock(START)
    shared_chat = RecordingChat()
    a, _ = await make_service(clock, chat=shared_chat, seed=1)
    b, _ = await make_service(clock, chat=shared_chat, seed=2)
    candidates = [UserRef("console", f"u{n}", "W1", f"U{n}") for n in range(10)]
    threads = []
    for n, user in enumerate(candidates):
        channel = ChannelRef("console", f"C{n}", "W1")
        await a.handle_command(CommandContext(channel, user), "interview url-shortener 45")
        thread = shared_chat.threads[-1]
        threads.append(thread)
        await a.handle_message(_said(thread, "next", 1, clock, user))
        await b.handle_message(_said(thread, "We keep it simple: the team knows Postgres.", 2, clock, user))
    clock.advance(seconds=21)
    await asyncio.gather(*(svc.tick() for svc in (a, b, a, b)))
    await asyncio.gather(a.dispatcher.drain(), b.dispatcher.drain())
    asked = [s for s in shared_chat.sent if s.message.text.startswith("*Follow-up*")]
    assert len(asked) == 10
    assert {s.where for s in asked} == set(threads)


def _said(thread: ThreadRef, text: str, n: int, clock: FakeClock, user: UserRef = ALICE) -> InMessage:
    ref = MessageRef(thread.channel, f"{user.user_id}-{n}", thread)
    return InMessage(ref=ref, author=user, text=text, event_key=f"console:{user.user_id}:{n}", sent_at=clock.now())
