"""Pauses: ``/practice pause <days>`` keeps a streak over days away (month ends too), ``/practice resume``,
the leaderboard's away mark and interviews-given column; a channel's skipped days and pause."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.errors import NotAllowed, UserError
from bot.core.messages import InMessage
from bot.core.refs import MessageRef, ThreadRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.service.conftest import ALICE, BOB, CHANNEL, ServiceFactory, ctx

_count = iter(range(10_000))


async def practise(service: PracticeService, who: UserRef, clock: FakeClock) -> None:
    """One answer now (through the real practice path, into the real database)."""
    n = next(_count)
    thread = ThreadRef(CHANNEL, "t-practice")
    message = InMessage(ref=MessageRef(CHANNEL, f"m{n}", thread), author=who, text="An answer.",
                        event_key=f"console:{who.user_id}:{n}", sent_at=clock.now(), author_timezone="UTC")
    assert await service.practice.record(message, message.text, CHANNEL) is not None


async def streak_text(service: PracticeService, who: UserRef = ALICE) -> str:
    return (await service.handle_command(ctx(who), "streak")).messages[0].text


async def test_a_pause_across_a_month_end_keeps_the_streak(make_service: ServiceFactory) -> None:
    clock = FakeClock(datetime(2026, 1, 26, 12, 0, tzinfo=UTC))
    service, _ = await make_service(clock)
    for _ in range(3):  # Jan 26, 27, 28
        await practise(service, ALICE, clock)
        clock.advance(days=1)
    reply = await service.handle_command(ctx(), "pause 6")  # Jan 29 .. Feb 3
    assert "Thu Jan 29 to Tue Feb 03" in reply.messages[0].text and reply.messages[0].ephemeral
    clock.set(datetime(2026, 2, 2, 12, 0, tzinfo=UTC))
    shown = await streak_text(service)
    assert "Current streak: *3 days*" in shown and "Away until Tue Feb 03" in shown
    board = (await service.handle_command(ctx(BOB), "leaderboard")).messages[0].text
    assert "@alice" in board.lower() or "alice" in board.lower()
    assert "3-day streak" in board and "· away" in board
    clock.set(datetime(2026, 2, 4, 12, 0, tzinfo=UTC))  # back: the pause is over, today still counts
    assert "Current streak: *3 days*" in await streak_text(service)
    await practise(service, ALICE, clock)
    shown = await streak_text(service)
    assert "Current streak: *4 days*" in shown and "Practice days: 4" in shown and "Away" not in shown
    assert "· away" not in (await service.handle_command(ctx(BOB), "leaderboard")).messages[0].text
    clock.set(datetime(2026, 2, 6, 12, 0, tzinfo=UTC))  # Feb 5 missed, unpaused: broken
    assert "Current streak: *0 days*" in await streak_text(service)


async def test_resume_ends_the_pause_and_the_days_count_again(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, _ = await make_service(clock)
    await practise(service, ALICE, clock)  # Monday
    await service.handle_command(ctx(), "pause 10")  # from Monday
    clock.advance(days=3)  # Thursday
    with pytest.raises(UserError, match="already away until"):
        await service.handle_command(ctx(), "pause 2")
    resumed = await service.handle_command(ctx(), "resume")
    assert "ran Mon Mar 02 to Wed Mar 04" in resumed.messages[0].text
    assert "Current streak: *1 day*" in await streak_text(service)
    clock.advance(days=1)  # Friday: Thursday was no longer paused and nobody practised
    assert "Current streak: *0 days*" in await streak_text(service)
    not_paused = await service.handle_command(ctx(), "resume")
    assert "not paused" in not_paused.messages[0].text


async def test_a_pause_started_and_resumed_the_same_day_is_cancelled(make_service: ServiceFactory,
                                                                     clock: FakeClock) -> None:
    service, _ = await make_service(clock)
    await service.handle_command(ctx(), "pause 3")
    assert "cancelled" in (await service.handle_command(ctx(), "resume")).messages[0].text
    assert await service.store.member_pauses(ALICE, ending_from=clock.now().date()) == []


@pytest.mark.parametrize(("text", "error"), [
    ("pause 15", "1 to 14 days"), ("pause 0", "1 to 14 days"), ("pause", "Usage: `/practice pause <days>`"),
    ("pause soon", "Usage"), ("resume now", "takes no options"),
])
async def test_pause_errors_are_friendly(make_service: ServiceFactory, clock: FakeClock, text: str,
                                         error: str) -> None:
    service, _ = await make_service(clock)
    with pytest.raises(UserError, match=error):
        await service.handle_command(ctx(), text)


async def test_pause_days_and_the_longest_pause_are_settings(database_url: str, clock: FakeClock) -> None:
    import random

    from bot.scoring.offline import OfflineScorer
    from bot.storage.database import create_engine, migrate
    from bot.storage.repository import SqlStore
    from framework import load

    await migrate(database_url)
    store = SqlStore(create_engine(database_url))
    try:
        service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock,
                                  rng=random.Random(1), max_pause_days=3)
        with pytest.raises(UserError, match="1 to 3 days"):
            await service.handle_command(ctx(), "pause 4d")
        assert "3 days" in (await service.handle_command(ctx(), "pause 3d")).messages[0].text
    finally:
        await store.close()


async def test_the_board_shows_interviews_given(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    await practise(service, ALICE, clock)
    await practise(service, BOB, clock)
    await service.handle_command(ctx(ALICE), "interview url-shortener 15 with @bob")
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    thread = chat.threads[-1]
    end = InMessage(ref=MessageRef(thread.channel, "end1", thread), author=ALICE, text="end",
                    event_key="console:alice:end1", sent_at=clock.now())
    await service.handle_message(end)
    await service.tick()
    board = (await service.handle_command(ctx(), "leaderboard")).messages[0].text
    lines = board.splitlines()
    bob_line = next(line for line in lines if "bob" in line.lower())
    alice_line = next(line for line in lines if "alice" in line.lower())
    assert "1 interview given" in bob_line
    assert "0 interviews given" in alice_line
    assert "Interviews given: 1" in await streak_text(service, BOB)
    assert "Interviews given: 0" in await streak_text(service, ALICE)


# ---------------------------------------------------------------------- channels


async def test_a_skipped_day_and_a_channel_pause_hold_the_daily_prompt(make_service: ServiceFactory,
                                                                         clock: FakeClock) -> None:
    service, chat = await make_service(clock)  # Mon 2026-03-02 09:00 UTC
    admin = ctx(can_manage=True)
    await service.handle_command(admin, "schedule 10:00 UTC daily")
    skipped = await service.handle_command(admin, "schedule skip 2026-03-03")
    assert "Skipped: Tue 2026-03-03." in skipped.messages[0].text
    assert "Next: Mon 2026-03-02 10:00 (UTC)" in skipped.messages[0].text
    paused = await service.handle_command(admin, "schedule pause until 2026-03-06")
    assert "Paused until Fri 2026-03-06" in paused.messages[0].text
    assert "Next: Sat 2026-03-07 10:00 (UTC)" in paused.messages[0].text
    for day in range(5):  # Mon..Fri: nothing
        clock.set(datetime(2026, 3, 2 + day, 11, 0, tzinfo=UTC))
        await service.tick()
    assert chat.in_channel(CHANNEL) == []
    clock.set(datetime(2026, 3, 7, 10, 1, tzinfo=UTC))
    await service.tick()
    assert len(chat.in_channel(CHANNEL)) == 1
    shown = (await service.handle_command(ctx(), "schedule")).messages[0].text
    assert "Paused" not in shown and "Skipped" not in shown  # days gone by are not shown once changed
    # A pause, then resume: the next slot comes back at once.
    await service.handle_command(admin, "schedule pause until 2026-03-20")
    resumed = await service.handle_command(admin, "schedule resume")
    assert "Next: Sun 2026-03-08 10:00 (UTC)" in resumed.messages[0].text
    # Changing the time keeps the skipped days.
    await service.handle_command(admin, "schedule skip 2026-03-08")
    changed = await service.handle_command(admin, "schedule 11:00")
    assert "Skipped: Sun 2026-03-08." in changed.messages[0].text
    assert "Next: Sat 2026-03-07 11:00 (UTC)" in changed.messages[0].text  # today's prompt is out already: one a day


async def test_a_skipped_day_is_not_posted_late_after_downtime(make_service: ServiceFactory,
                                                                 clock: FakeClock) -> None:
    service, chat = await make_service(clock)
    admin = ctx(can_manage=True)
    await service.handle_command(admin, "schedule 10:00 UTC daily")
    await service.handle_command(admin, "schedule skip 2026-03-02")
    clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    await service.tick()
    assert chat.in_channel(CHANNEL) == []
    channel = await service.store.get_channel(CHANNEL)
    assert channel is not None and channel.next_prompt_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "error"), [
    ("schedule skip 2026-03-01", "already passed"),
    ("schedule skip 2028-03-01", "too far ahead"),
    ("schedule skip tomorrow", "Use `YYYY-MM-DD`"),
    ("schedule skip 2026-02-30", "Use `YYYY-MM-DD`"),
    ("schedule pause 2026-03-05", "pause until <YYYY-MM-DD>"),
    ("schedule skip", "schedule skip <YYYY-MM-DD>"),
])
async def test_channel_break_errors_are_friendly(make_service: ServiceFactory, clock: FakeClock, text: str,
                                                 error: str) -> None:
    service, _ = await make_service(clock)
    await service.handle_command(ctx(can_manage=True), "schedule 10:00 UTC daily")
    with pytest.raises(UserError, match=error):
        await service.handle_command(ctx(can_manage=True), text)


async def test_only_admins_skip_or_pause_and_only_a_schedule_can_be(make_service: ServiceFactory,
                                                                      clock: FakeClock) -> None:
    service, _ = await make_service(clock)
    with pytest.raises(UserError, match="no daily prompt schedule here"):
        await service.handle_command(ctx(can_manage=True), "schedule skip 2026-03-04")
    await service.handle_command(ctx(can_manage=True), "schedule 10:00 UTC daily")
    with pytest.raises(NotAllowed):
        await service.handle_command(ctx(BOB), "schedule pause until 2026-03-04")
    channel = await service.store.get_channel(CHANNEL)
    assert channel is not None and channel.schedule is not None and channel.schedule.paused_until is None
    assert date(2026, 3, 4) not in channel.schedule.skipped
