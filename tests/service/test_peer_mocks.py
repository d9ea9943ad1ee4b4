"""Peer mock interviews through the real service and storage: the candidate names the interviewer,
who gets each phase's rubric privately, marks it with buttons, steers, adds time and leaves a note;
the scorecard puts the marks beside the scorer's verdicts. A restart in the middle loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import UserError
from bot.core.messages import Action, InMessage, OutMessage
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from framework import load
from tests.fakes import RecordingChat
from tests.service.conftest import ALICE, BOB, CHANNEL, ServiceFactory, ctx

CAROL = UserRef("console", "carol", "W1", "Carol")
FRAMING = ("We build it now because the marketing team needs short links for a campaign; the team knows "
           "Postgres well, so we keep the stack boring and ship in two weeks, accepting the risk of one region.")


def said(user: UserRef, thread: ThreadRef, text: str, n: int, clock: FakeClock) -> InMessage:
    return InMessage(ref=MessageRef(thread.channel, f"p{n}", thread), author=user, text=text,
                     event_key=f"console:{user.user_id}:p{n}", sent_at=clock.now())


def click(user: UserRef, button_action: str, value: str, n: int) -> Action:
    return Action(action=button_action, value=value, user=user,
                  message=MessageRef(ChannelRef("console", f"dm-{user.user_id}"), f"dm{n}"),
                  event_key=f"console:click:{user.user_id}:{n}")


def mark_buttons(messages: list[OutMessage]) -> dict[tuple[int, str], tuple[str, str]]:
    """(item number, label word) -> (action, value) over the interviewer's mark messages."""
    found = {}
    for message in messages:
        for button in message.buttons():
            number, word = button.label.split(" ", 1)
            found[(int(number), word)] = (button.action, button.value)
    return found


async def start_peer(service: PracticeService, chat: RecordingChat) -> ThreadRef:
    reply = await service.handle_command(ctx(), "interview url-shortener 15 with @bob")
    assert reply.messages == ()
    await service.dispatcher.drain()  # the start does not wait for its first phase's post
    return chat.threads[-1]


async def test_a_whole_peer_mock_with_marks_a_restart_and_the_scorecard(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    framework = load()
    section0 = framework.section(0)
    service, chat = await make_service(clock)
    thread = await start_peer(service, chat)
    assert "interviewed by @bob" in chat.in_channel(CHANNEL)[0]
    # Bob has phase 0's rubric, privately: the checklist, its probes, the scale; and the mark buttons.
    rubric = chat.private_to(BOB)
    assert rubric[0].text.startswith("*Your rubric, phase 1 of")
    for item in section0.items:
        assert item.covers in rubric[0].text
        assert item.probe.replace("{scenario}", "URL shortener") in rubric[0].text
        assert all(item.covers not in text for text in chat.in_thread(thread)), "the candidate never sees it"
    assert "Scale, if asked" in rubric[0].text
    buttons = mark_buttons(rubric[1:])
    assert len(buttons) == 3 * len(section0.items)
    assert chat.private_to(ALICE) == []

    # Alice answers; Bob marks item 1 missing, then changes his mind: covered. Alice cannot mark.
    await service.handle_message(said(ALICE, thread, FRAMING, 1, clock))
    action, value = buttons[(1, "missing")]
    assert "Marked 1" in (await service.handle_action(click(BOB, action, value, 1))).messages[0].text
    action, value = buttons[(1, "covered")]
    reply = await service.handle_action(click(BOB, action, value, 2))
    assert "*covered*" in reply.messages[0].text and "1 of 3 marked" in reply.messages[0].text
    refused = await service.handle_action(click(ALICE, action, value, 3))
    assert "Only the interviewer" in refused.messages[0].text
    action, value = buttons[(2, "partly")]
    await service.handle_action(click(BOB, action, value, 4))
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    marks = await service.store.marks_for_interview(interview.id)
    assert {item: mark.mark for item, mark in marks.items()} == {
        section0.items[0].id: "covered", section0.items[1].id: "partial"}

    # Bob's comments are not answers; `hint` from Alice is Bob's to give; +2m once a phase.
    await service.handle_message(said(BOB, thread, "What does the team already know?", 2, clock))
    await service.handle_message(said(ALICE, thread, "hint", 3, clock))
    await service.dispatcher.drain()
    assert "hints are @bob's to give" in chat.in_thread(thread)[-1]
    deadline = interview.phase_deadline_at
    assert deadline is not None
    await service.handle_message(said(BOB, thread, "+2m", 4, clock))
    extended = await service.store.active_interview(ALICE)
    assert extended is not None and extended.phase_deadline_at == deadline + timedelta(minutes=2)
    assert "added 2 min" in chat.in_thread(thread)[-1]
    await service.handle_message(said(BOB, thread, "+2m", 5, clock))
    again = await service.store.active_interview(ALICE)
    assert again is not None and again.phase_deadline_at == deadline + timedelta(minutes=2)
    assert "already got its extra time" in chat.in_thread(thread)[-1]
    answers = await service.store.answers_for_phase(interview.id, 0)
    assert [a.text for a in answers] == [FRAMING]

    # Bob moves on: the next question goes to the thread with no score in it, his next rubric to him.
    await service.handle_message(said(BOB, thread, "next", 6, clock))
    await service.dispatcher.drain()
    assert chat.in_thread(thread)[-1].startswith("*1. ")
    assert "/10" not in chat.in_thread(thread)[-1]
    assert chat.private_to(BOB)[-2 if len(framework.section(1).items) <= 8 else -3].text.startswith(
        "*Your rubric, phase 2 of")

    # A restart: a new service on the same database; Bob's buttons still work, marks are kept.
    restarted, chat2 = await make_service(clock, chat=chat)
    section1 = framework.section(1)
    phase1_buttons = mark_buttons([m for m in chat.private_to(BOB) if "phase 2" in m.text or m.buttons()][-2:])
    action, value = next(pair for key, pair in phase1_buttons.items() if key == (1, "covered"))
    assert value.endswith("-1")
    await restarted.handle_action(click(BOB, action, value, 5))
    marks = await restarted.store.marks_for_interview(interview.id)
    assert marks[section1.items[0].id].mark == "covered" and marks[section0.items[0].id].mark == "covered"

    # Bob's note, then Alice ends: the scorecard, then the marks beside the scorer's verdicts.
    note = await restarted.handle_command(ctx(BOB), "note Clear framing; ask about risk earlier.")
    assert "goes on the scorecard" in note.messages[0].text
    await restarted.handle_message(said(ALICE, thread, "end", 7, clock))
    await restarted.dispatcher.drain()
    posted = chat2.in_thread(thread)
    assert any(text.startswith("*Scorecard: URL shortener*") for text in posted)
    peer = posted[-1]
    assert peer.startswith("*Interviewer's marks beside the scorer's*")
    assert "Interviewer: @bob" in peer and "items both judged" in peer
    assert f"1. {section0.items[0].covers[:40]}" in peer
    assert "interviewer *covered*, scorer *" in peer and "interviewer *partly*" in peer
    assert "Clear framing; ask about risk earlier." in peer
    # Giving the interview was practice for Bob: a practice day, and "interviews given" with his streak.
    streak = await restarted.store.get_streak(BOB)
    assert streak is not None and streak.total_days == 1
    shown = (await restarted.handle_command(ctx(BOB), "streak")).messages[0].text
    assert "Interviews given: 1" in shown and "Current streak: *1 day*" in shown
    # The scorecard is out: marks are final; a later note goes under it.
    final = await restarted.handle_action(click(BOB, action, value, 6))
    assert "marks are final" in final.messages[0].text
    later = await restarted.handle_command(ctx(BOB), "note One more thing: well paced.")
    await restarted.dispatcher.drain()
    assert "posted under the scorecard" in later.messages[0].text
    assert chat2.in_thread(thread)[-1].startswith("*@bob's note*")


async def test_the_interviewer_steers_but_others_do_not(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    thread = await start_peer(service, chat)
    await service.handle_message(said(CAROL, thread, "next", 1, clock))
    await service.handle_message(said(CAROL, thread, "+2m", 2, clock))
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.phase_index == 0 and interview.extended == ()
    await service.handle_message(said(BOB, thread, "time", 3, clock))
    await service.dispatcher.drain()
    assert "left in this phase" in chat.in_thread(thread)[-1]
    await service.handle_message(said(BOB, thread, "end", 4, clock))
    ended = await service.store.get_interview(interview.id)
    assert ended is not None and ended.status == "ended"


async def test_a_deadline_moves_a_peer_mock_on_and_hands_the_next_rubric(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    await start_peer(service, chat)
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.phase_deadline_at is not None
    clock.set(interview.phase_deadline_at + timedelta(seconds=1))
    await service.tick()
    await service.tick()  # a second tick (another replica) posts nothing twice
    rubrics = [m for m in chat.private_to(BOB) if m.text.startswith("*Your rubric")]
    assert [m.text.split(":")[0] for m in rubrics] == ["*Your rubric, phase 1 of 8", "*Your rubric, phase 2 of 8"]


@pytest.mark.parametrize(("command", "expected"), [
    ("interview url-shortener 15 with @alice", "can't interview yourself"),
    ("interview url-shortener 15 for @bob", "The candidate starts a peer mock"),
    ("interview url-shortener 15 with", "Name your interviewer"),
    ("interview url-shortener with @bob 15", "Put `with @member` last"),
    ("note", "Usage: `/practice note"),
    ("note Nice work", "You have not interviewed anyone yet"),
])
async def test_friendly_errors(make_service: ServiceFactory, clock: FakeClock, command: str, expected: str) -> None:
    service, _ = await make_service(clock)
    with pytest.raises(UserError, match=expected):
        await service.handle_command(ctx(), command)
