"""Follow-up probes through the real service and storage on a fake clock: asked after the candidate's
pause about what the phase's answers miss, at most twice a phase, never in the nudge window or after
``next``, off with ``quiet``; deeper at staff level."""

from __future__ import annotations

from datetime import timedelta

from bot.core.records import OutboxDraft
from bot.core.refs import ThreadRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from framework import load
from tests.fakes import RecordingChat
from tests.leasing import left_over
from tests.service.conftest import ALICE, BOB, ServiceFactory, ctx
from tests.service.test_interview_flow import said

WEAK_SCOPE = "We keep it simple: the team knows Postgres."
FULL_MID_SCOPE = (
    "Why now: the business goal is user growth; stakeholders are marketing. Personas: casual users and "
    "enterprise admins; the MVP user journeys are create and redirect, and the admin workflow is the use case "
    "for phase two. Targets: p95 latency under 50 ms, 10k requests per second, 99.9% availability SLA with an "
    "error budget. KPIs: conversion, retention, MTTR. GDPR applies."
)


def probe_of(item_id: str) -> str:
    return load().item(item_id).probe.replace("{scenario}", "URL shortener")


def follow_ups(chat: RecordingChat, thread: ThreadRef) -> list[str]:
    return [t for t in chat.in_thread(thread) if t.startswith("*Follow-up*")]


async def in_scope_phase(
    service: PracticeService, chat: RecordingChat, clock: FakeClock, options: str = ""
) -> ThreadRef:
    """An interview on phase 1 (Scope & Assumptions, 5 min)."""
    await service.handle_command(ctx(), f"interview url-shortener 45 {options}".strip())
    thread = chat.threads[-1]
    await service.handle_message(said(service, ALICE, thread, "next", 900, clock.now()))
    return thread


async def test_a_follow_up_comes_after_the_pause_about_the_heaviest_miss(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    thread = await in_scope_phase(service, chat, clock)
    await service.handle_message(said(service, ALICE, thread, WEAK_SCOPE, 1, clock.now()))
    clock.advance(seconds=19)
    await service.tick()
    await service.dispatcher.drain()
    assert follow_ups(chat, thread) == [], "not before the pause is over"
    clock.advance(seconds=1)
    await service.tick()
    await service.dispatcher.drain()
    # the heaviest item a weak scope answer misses: performance and scale targets (weight 2)
    assert follow_ups(chat, thread) == [f"*Follow-up*\n{probe_of('s1-performance-scale-targets')}"]
    await service.tick()
    await service.dispatcher.drain()
    assert len(follow_ups(chat, thread)) == 1, "asked once"
    # the reply joins the phase's answer; a second pause brings a second follow-up, about another item
    await service.handle_message(said(service, ALICE, thread, "p95 under 100 ms at 5k requests per second.", 2,
                                      clock.now()))
    clock.advance(seconds=20)
    await service.tick()
    await service.dispatcher.drain()
    asked = follow_ups(chat, thread)
    assert len(asked) == 2 and asked[1] != asked[0]
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    assert [a.text for a in await service.store.answers_for_phase(interview.id, 1)][1].startswith("p95")
    assert interview.probes_asked == 2 and len(interview.probed) == 2
    # at most two a phase
    await service.handle_message(said(service, ALICE, thread, "Also GDPR.", 3, clock.now()))
    clock.advance(seconds=30)
    await service.tick()
    await service.dispatcher.drain()
    assert len(follow_ups(chat, thread)) == 2


async def test_no_follow_up_when_the_answers_cover_what_is_expected(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    thread = await in_scope_phase(service, chat, clock, "mid")
    await service.handle_message(said(service, ALICE, thread, FULL_MID_SCOPE, 1, clock.now()))
    clock.advance(seconds=25)
    await service.tick()
    await service.dispatcher.drain()
    assert follow_ups(chat, thread) == []
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.probe_at is None and interview.level == "mid"


async def test_never_after_next(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await in_scope_phase(service, chat, clock)
    await service.handle_message(said(service, ALICE, thread, WEAK_SCOPE, 1, clock.now()))
    clock.advance(seconds=10)
    await service.handle_message(said(service, ALICE, thread, "next", 2, clock.now()))
    clock.advance(seconds=30)
    await service.tick()
    await service.dispatcher.drain()
    assert follow_ups(chat, thread) == []
    # a follow-up claimed for phase 1 but not yet sent when `next` came is dropped, not posted late
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.phase_index == 2
    await service.store.enqueue([OutboxDraft(thread, "Follow-up", "probe", "late-probe",
                                             payload="1:s1-performance-scale-targets", subject_id=interview.id)])
    await service.dispatcher.flush()
    await service.dispatcher.drain()
    assert follow_ups(chat, thread) == []
    # settled, not retried: nothing is left to claim even once a stale claim could be taken again
    assert await left_over(service.store, clock.now() + timedelta(hours=1)) == []


async def test_never_inside_the_nudge_window_and_not_when_quiet(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await in_scope_phase(service, chat, clock)
    clock.advance(minutes=3, seconds=50)  # the nudge comes at 4 min; the pause would end inside its window
    await service.handle_message(said(service, ALICE, thread, WEAK_SCOPE, 1, clock.now()))
    clock.advance(seconds=25)
    await service.tick()
    await service.dispatcher.drain()
    assert follow_ups(chat, thread) == []
    assert chat.in_thread(thread)[-1].startswith("About 45 s left")

    quiet, quiet_chat = await make_service(clock, chat=RecordingChat())
    await quiet.handle_command(ctx(BOB), "interview chat-app 45 quiet")
    bob_thread = quiet_chat.threads[-1]
    assert "no follow-up questions" in quiet_chat.in_channel(ctx(BOB).channel)[-1]
    await quiet.handle_message(said(quiet, BOB, bob_thread, "next", 1, clock.now()))
    await quiet.handle_message(said(quiet, BOB, bob_thread, WEAK_SCOPE, 2, clock.now()))
    clock.advance(seconds=30)
    await quiet.tick()
    await quiet.dispatcher.drain()
    assert follow_ups(quiet_chat, bob_thread) == []


async def test_staff_probes_go_deeper_and_lower_levels_get_a_bonus(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    thread = await in_scope_phase(service, chat, clock, "staff")
    await service.handle_message(said(service, ALICE, thread, WEAK_SCOPE, 1, clock.now()))
    clock.advance(seconds=20)
    await service.tick()
    await service.dispatcher.drain()
    (asked,) = follow_ups(chat, thread)
    assert "trade-off" in asked and "fails first" in asked and "grows" in asked
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.level == "staff"
    assert clock.now() - timedelta(seconds=20) >= interview.phase_started_at  # type: ignore[operator]
