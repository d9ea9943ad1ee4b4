"""Mock interviews through the real service and storage, with a fake clock and a recording chat."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from bot.core.interviews import END, HINT, NEXT, button_value
from bot.core.messages import Action, InMessage, Reply
from bot.core.refs import MessageRef, ThreadRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.fakes import RecordingChat
from tests.service.conftest import ALICE, BOB, CHANNEL, ServiceFactory, ctx

GOOD_SCOPE = (
    "Why now: the business goal is user growth; stakeholders are marketing. Personas: casual users and "
    "enterprise admins; MVP journeys are create and redirect. Targets: p95 latency under 50 ms, 10k requests "
    "per second, 99.9% availability SLA with an error budget. KPIs: conversion, retention, MTTR. GDPR applies."
)


def said(service: PracticeService, user: UserRef, thread: ThreadRef, text: str, n: int, at: datetime) -> InMessage:
    ref = MessageRef(thread.channel, f"u{n}", thread)
    return InMessage(ref=ref, author=user, text=text, event_key=f"console:{user.user_id}:{n}", sent_at=at)


async def start(service: PracticeService, chat: RecordingChat, minutes: int = 45) -> ThreadRef:
    reply = await service.handle_command(ctx(), f"interview url-shortener {minutes}")
    assert reply.messages == ()
    assert chat.threads, "the interview opens a thread"
    await service.dispatcher.drain()  # the start does not wait for its first phase's post
    return chat.threads[-1]


async def test_command_opens_a_thread_and_posts_phase_one_inside_it(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat)
    assert "URL shortener" in chat.in_channel(CHANNEL)[0]
    inside = chat.in_thread(thread)
    assert len(inside) == 1
    assert inside[0].startswith("*0. Real-World Framing*")
    buttons = chat.sent[-1].message.buttons()
    assert [b.action for b in buttons] == [NEXT, HINT, END]


async def test_answers_next_hint_time_and_comments(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat)
    await service.handle_message(said(service, ALICE, thread, "next", 1, clock.now()))
    assert chat.in_thread(thread)[-1].startswith("*1. Scope & Assumptions*")
    await service.handle_message(said(service, ALICE, thread, GOOD_SCOPE, 2, clock.now()))
    await service.handle_message(said(service, BOB, thread, "Nice one, Alice", 3, clock.now()))
    await service.handle_message(said(service, ALICE, thread, "hint", 4, clock.now()))
    assert chat.in_thread(thread)[-1].startswith("*Hint*")
    clock.advance(seconds=100)
    await service.handle_message(said(service, ALICE, thread, "time", 5, clock.now()))
    assert "3 min 20 s left in this phase" in chat.in_thread(thread)[-1]
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    answers = await service.store.answers_for_phase(interview.id, 1)
    assert [a.text for a in answers] == [GOOD_SCOPE]  # Bob's comment is not an answer
    await service.handle_message(said(service, ALICE, thread, "next", 6, clock.now()))
    await service.dispatcher.drain()
    # the phase's score comes first, folded into the message that asks the next question
    folded = chat.in_thread(thread)[-1]
    assert folded.startswith("Scope & Assumptions: *")
    assert folded.index("/10") < folded.index("*2. High-Level Architecture*")
    assert re.search(r"\(\d+ covered, \d+ partly, \d+ missing(, \d+ bonus)?\)", folded)
    score_message = next(s.message for s in chat.sent if s.message.text.startswith("Scope & Assumptions: *"))
    assert any(getattr(b, "text", "") == "Scored by: offline" for b in score_message.blocks)


async def test_a_redelivered_next_moves_on_once(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat)
    message = said(service, ALICE, thread, "next", 1, clock.now())
    await service.handle_message(message)
    await service.handle_message(message)
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.phase_index == 1


async def test_buttons_steer_only_for_the_candidate(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat)
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    root = chat.sent[-1].ref
    refused = await service.handle_action(Action(NEXT, str(interview.id), BOB, root, "b1"))
    assert "Only Alice can steer" in refused.messages[0].text
    assert refused.messages[0].ephemeral
    await service.handle_action(Action(NEXT, str(interview.id), ALICE, root, "b2"))
    await service.handle_action(Action(NEXT, str(interview.id), ALICE, root, "b2"))  # redelivered
    moved = await service.store.get_interview(interview.id)
    assert moved is not None and moved.phase_index == 1
    await service.handle_action(Action(END, str(interview.id), ALICE, root, "b3"))
    await service.dispatcher.drain()
    assert chat.in_thread(thread)[-1].startswith("*Scorecard: URL shortener*")


async def test_nudge_then_auto_advance_at_the_deadline(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat)
    await service.handle_message(said(service, ALICE, thread, "next", 1, clock.now()))  # scope: 5 min
    clock.advance(minutes=4, seconds=1)
    await service.tick()
    assert chat.in_thread(thread)[-1].startswith("About 59 s left for *Scope & Assumptions*")
    await service.tick()
    assert sum("left for" in t for t in chat.in_thread(thread)) == 1, "one nudge per phase"
    clock.advance(seconds=60)
    await service.tick()
    await service.dispatcher.drain()
    time_up, question = chat.in_thread(thread)[-1].split("\n\n", 1)  # one message per phase change
    assert time_up.startswith("Time is up for *Scope & Assumptions*")
    assert question.startswith("*2. High-Level Architecture*")


async def test_a_whole_interview_on_the_fake_clock_ends_with_a_scorecard(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat, minutes=15)
    for n in range(1, 9):
        await service.handle_message(said(service, ALICE, thread, GOOD_SCOPE, n, clock.now()))
        clock.advance(minutes=5)
        await service.tick()
    await service.dispatcher.drain()
    inside = chat.in_thread(thread)
    openings = [t for t in inside if re.search(r"_Phase \d of 8", t)]
    assert len(openings) == 8
    # phases 2..8: "Time is up" for the phase before, its score, then the question, in one message
    assert all(t.startswith("Time is up for ") for t in openings[1:])
    assert all(re.match(r"[^\n]+: \*\d+\.\d/10\*", t.split("\n\n", 1)[1]) for t in openings[1:])
    assert inside[-1].startswith("*Scorecard: URL shortener*")
    assert "Overall" in inside[-1]
    interview = await service.store.get_interview(1)
    assert interview is not None and interview.status == "finished"
    streak = await service.store.get_streak(ALICE)
    assert streak is not None and streak.current == 1


async def test_one_interview_at_a_time_and_friendly_errors(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await start(service, chat)
    from bot.core.guard import guarded

    again = await guarded(service.handle_command(ctx(), "interview chat-app"), what="test")
    assert "already have an interview running" in again.messages[0].text
    unknown = await guarded(service.handle_command(ctx(BOB), "interview url-shortner"), what="test")
    assert "Unknown scenario" in unknown.messages[0].text
    assert "url-shortener" in unknown.messages[0].text


async def test_empty_huge_and_odd_answers_lose_nothing(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await start(service, chat)
    await service.handle_message(said(service, ALICE, thread, "next", 1, clock.now()))
    await service.handle_message(said(service, ALICE, thread, "   \u200b  ", 2, clock.now()))
    huge = ("caching with redis and a CDN, p95 latency " * 1300)[:50_000]
    await service.handle_message(said(service, ALICE, thread, huge, 3, clock.now()))
    odd = "Ünïcödé ✅ \u202eRTL\u202c e\u0301 👩‍💻 sharding 分片"
    await service.handle_message(said(service, ALICE, thread, odd, 4, clock.now()))
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    answers = await service.store.answers_for_phase(interview.id, 1)
    assert len(answers) == 2
    assert len(answers[0].text) == 20_000
    assert "RTL" in answers[1].text and "👩‍💻" in answers[1].text
    await service.handle_message(said(service, ALICE, thread, "next", 5, clock.now()))
    await asyncio.wait_for(service.dispatcher.drain(), timeout=10)
    assert any("/10" in t for t in chat.in_thread(thread))


async def test_a_button_from_an_earlier_phase_is_ignored(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await start(service, chat)
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    root = chat.sent[-1].ref
    first_click = Action(NEXT, button_value(interview.id, 0), ALICE, root, "c1")
    double_click = Action(NEXT, button_value(interview.id, 0), ALICE, root, "c2")
    assert await service.handle_action(first_click) == Reply()
    stale = await service.handle_action(double_click)
    assert "belongs to an earlier phase" in stale.messages[0].text
    assert "Scope & Assumptions" in stale.messages[0].text
    moved = await service.store.get_interview(interview.id)
    assert moved is not None and moved.phase_index == 1
