"""Weekly pairing: a week for 7 members on a fake clock, three weeks without a repeat, one private message
per member of each pair, a mid-week reminder, exactly once with two services ticking one database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import combinations, pairwise

import pytest

from bot.core.errors import NotAllowed, UserError
from bot.core.messages import Action, InMessage
from bot.core.pairing import JOIN, LEAVE
from bot.core.refs import MessageRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.fakes import RecordingChat
from tests.service.conftest import CHANNEL, ServiceFactory, ctx

TEAM = [UserRef("console", f"u{n}", "W1", f"Member{n}") for n in range(1, 8)]
ROUND_1 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # the Monday after START


def marks(chats: list[RecordingChat]) -> list[int]:
    return [len(chat.private) for chat in chats]


def pair_messages(chats: list[RecordingChat], title: str, since: list[int] | None = None) -> dict[str, list[str]]:
    """Private messages by recipient, over every service's chat (only those after ``since``, from ``marks``)."""
    found: dict[str, list[str]] = {}
    for number, chat in enumerate(chats):
        for sent in chat.private[since[number] if since else 0:]:
            if sent.message.title.startswith(title):
                found.setdefault(sent.to.user_id, []).append(sent.message.text)
    return found


def groups_of(messages: dict[str, list[str]]) -> set[frozenset[str]]:
    """Each member's group, read off their message (it names the others)."""
    groups = set()
    for user_id, texts in messages.items():
        (text,) = texts
        title = text.split("\n")[0]
        # a member is named by their name, or (named only in a mention so far) by their id
        others = {m.user_id for m in TEAM if m.display_name in title or f"@{m.user_id} " in f"{title} "
                  or f"@{m.user_id}*" in title}
        groups.add(frozenset({user_id, *others}))
    return groups


async def tick_both(services: list[PracticeService]) -> None:
    await asyncio.gather(*(service.tick() for service in services))
    for service in services:
        await service.dispatcher.drain()


async def test_a_pairing_week_for_seven_members_exactly_once_over_three_weeks(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    first, chat_a = await make_service(clock, seed=1)
    second, chat_b = await make_service(clock, seed=2)
    chats = [chat_a, chat_b]
    on = await first.handle_command(ctx(can_manage=True), "pairing on monday 09:00 UTC")
    announcement = on.messages[0]
    assert "Weekly pairing is on" in announcement.text and "Next round: Mon 2026-03-09 09:00 (UTC)" in announcement.text
    pairing = await first.store.get_pairing(CHANNEL)
    assert pairing is not None
    for member in TEAM[:-1]:
        joined = await first.handle_command(ctx(member), "pairing join")
        assert "You're in" in joined.messages[0].text
    # The last one joins with the announcement's button (and a second click changes nothing).
    button = Action(JOIN, str(pairing.id), TEAM[-1], MessageRef(CHANNEL, "announcement"), "click-1")
    assert "You're in" in (await second.handle_action(button)).messages[0].text
    assert "already in" in (await second.handle_action(button)).messages[0].text

    met: set[frozenset[str]] = set()
    for week in range(3):
        due = ROUND_1 + timedelta(weeks=week)
        clock.set(due - timedelta(minutes=1))
        before = marks(chats)
        await tick_both([first, second])
        assert pair_messages(chats, "Your practice pair", before) == {}, "not before its time"
        clock.set(due + timedelta(seconds=5))
        await tick_both([first, second])
        await tick_both([first, second])  # a second tick on both finds nothing more to do
        messages = pair_messages(chats, "Your practice pair", before)
        assert sorted(messages) == sorted(m.user_id for m in TEAM), "everyone is paired"
        assert all(len(texts) == 1 for texts in messages.values()), "one message per member, exactly once"
        groups = groups_of(messages)
        assert sorted(len(g) for g in groups) == [2, 2, 3]
        assert all("interviews first" in texts[0] and "Suggested scenario" in texts[0] for texts in messages.values())
        edges = {frozenset(e) for g in groups for e in combinations(sorted(g), 2)}
        assert not edges & met, f"week {week + 1}: a pair met again"
        met |= edges
        rounds = await first.store.past_rounds(pairing.id, limit=10)
        assert len(rounds) == week + 1
        odd_ones = [r.odd for r in rounds]
        assert len(odd_ones) < 2 or odd_ones[0] != odd_ones[1], "never the same odd one twice in a row"

        # A peer mock between a pair this week is linked to it: the reminder counts it.
        if week == 0:
            pair = next(g for g in groups if len(g) == 2)
            candidate, interviewer = sorted(pair)
            cand = next(m for m in TEAM if m.user_id == candidate)
            await first.handle_command(ctx(cand), f"interview url-shortener 15 with <@{interviewer}>")
        clock.set(due + timedelta(days=3, hours=12, seconds=5))
        reminded_before = marks(chats)
        await tick_both([first, second])
        reminders = pair_messages(chats, "Mid-week reminder", reminded_before)
        assert sorted(reminders) == sorted(m.user_id for m in TEAM)
        assert all(len(texts) == 1 for texts in reminders.values()), "one reminder per member, exactly once"
        if week == 0:
            assert "You've run 1 peer mock together" in reminders[candidate][0]
            assert "No peer mock together yet" in reminders[next(iter(set(reminders) - pair))][0]
            ended = await first.store.active_interview(cand)
            assert ended is not None
            thread = chat_a.threads[-1]
            await first.handle_message(InMessage(MessageRef(thread.channel, "e", thread), cand, "end",
                                                 "console:end", clock.now()))
    assert next_after(await first.store.get_pairing(CHANNEL)) == ROUND_1 + timedelta(weeks=3)


def next_after(pairing: object) -> datetime | None:
    return getattr(pairing, "next_round_at", None)


async def test_sit_out_by_turn_never_twice_in_a_row(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(can_manage=True), "pairing on mon 09:00 UTC sit-out")
    for member in TEAM[:5]:
        await service.handle_command(ctx(member), "pairing join")
    sat_out: list[str] = []
    for week in range(4):
        clock.set(ROUND_1 + timedelta(weeks=week, seconds=1))
        before = marks([chat])
        await service.tick()
        await service.dispatcher.drain()
        got = pair_messages([chat], "Your practice pair", before)
        (left_out,) = {m.user_id for m in TEAM[:5]} - set(got)
        assert sorted(len(g) for g in groups_of(got)) == [2, 2]
        told = pair_messages([chat], "Weekly pairing", before)
        assert list(told) == [left_out] and "your turn to sit out" in told[left_out][0]
        sat_out.append(left_out)
    assert all(a != b for a, b in pairwise(sat_out)), sat_out
    assert len(set(sat_out)) == 4, "by turn: a different person each week while others have not sat out"


async def test_pairing_commands_and_their_errors(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, _ = await make_service(clock)
    assert "Weekly pairing is off here" in (await service.handle_command(ctx(), "pairing")).messages[0].text
    with pytest.raises(UserError, match="Weekly pairing is off here"):
        await service.handle_command(ctx(), "pairing join")
    with pytest.raises(NotAllowed):
        await service.handle_command(ctx(), "pairing on")
    on = await service.handle_command(ctx(can_manage=True), "pairing on fri 16:30 Europe/Berlin")
    assert "Fridays at 16:30 Europe/Berlin" in on.messages[0].text
    await service.handle_command(ctx(), "pairing join")
    shown = (await service.handle_command(ctx(), "pairing")).messages[0].text
    assert "1 joined. You're in." in shown
    assert "out of weekly pairing" in (await service.handle_command(ctx(), "pairing leave")).messages[0].text
    assert "weren't in" in (await service.handle_command(ctx(), "pairing leave")).messages[0].text
    pairing = await service.store.get_pairing(CHANNEL)
    assert pairing is not None
    left = Action(LEAVE, str(pairing.id), TEAM[0], MessageRef(CHANNEL, "m"), "k")
    assert "weren't in" in (await service.handle_action(left)).messages[0].text
    for text, error in (("pairing on someday", "Usage"), ("pairing join now", "takes no options"),
                        ("pairing on 25:00", "not a time of day"), ("pairing maybe", "Usage")):
        with pytest.raises(UserError, match=error):
            await service.handle_command(ctx(can_manage=True), text)
    assert "off in this channel" in (await service.handle_command(ctx(can_manage=True), "pairing off")).messages[0].text
    assert (await service.store.get_pairing(CHANNEL)) is not None
    assert await service.store.due_pairings(clock.now() + timedelta(days=30)) == []
