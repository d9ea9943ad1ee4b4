"""What the clock sleeps until: the earliest due row of every capability and of the outbox."""

from __future__ import annotations

from datetime import timedelta

from bot.core.records import OutboxDraft, Schedule
from bot.scheduling.clock import FakeClock
from tests.service.conftest import CHANNEL, ServiceFactory, ctx


async def test_the_next_due_moment_is_the_earliest_deadline_prompt_closing_or_retry(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    assert await service.next_due() is None  # nothing scheduled, nothing running
    schedule = Schedule(local_time=(clock.now() + timedelta(hours=2)).time(), timezone="UTC",
                        weekdays=frozenset(range(7)))
    await service.store.save_schedule(CHANNEL, schedule=schedule, next_prompt_at=clock.now() + timedelta(hours=2))
    assert await service.next_due() == clock.now() + timedelta(hours=2)

    await service.handle_command(ctx(), "interview url-shortener 45")
    interview = await service.interviews.active_for(ctx().user)
    assert interview is not None and interview.phase_deadline_at is not None
    due = await service.next_due()
    assert due is not None and due <= interview.phase_deadline_at  # its nudge or its deadline

    chat.fail_next = 1
    await service.store.enqueue([OutboxDraft(CHANNEL, "a notice", "notice", "n1")])
    await service.dispatcher.flush()  # the send fails: the row waits 10 s for its retry
    assert await service.next_due() == clock.now() + timedelta(seconds=10)
