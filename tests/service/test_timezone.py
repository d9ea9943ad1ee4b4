"""``/practice timezone``: a member's own zone wins over the platform's, with a did-you-mean."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import UserError
from bot.core.messages import InMessage
from bot.core.refs import MessageRef
from bot.scheduling.clock import FakeClock
from tests.service.conftest import ALICE, ServiceFactory, ctx


async def test_the_chosen_zone_counts_the_day_and_wins_over_the_platforms(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    reply = await service.handle_command(ctx(), "timezone pacific/auckland")
    assert "*Pacific/Auckland*" in reply.messages[0].text
    await service.handle_command(ctx(), "interview url-shortener 15")
    thread = chat.threads[-1]
    clock.advance(hours=12)  # 21:00 UTC on Monday: already Tuesday in Auckland
    answer = InMessage(ref=MessageRef(thread.channel, "a1", thread), author=ALICE, text="We keep it simple.",
                       event_key="console:alice:a1", sent_at=clock.now(), author_timezone="UTC")
    await service.handle_message(answer)
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    [recorded] = await service.store.answers_for_phase(interview.id, 0)
    assert recorded.local_date == (clock.now() + timedelta(hours=13)).date()
    shown = await service.handle_command(ctx(), "timezone")
    assert "Pacific/Auckland* (you chose it)" in shown.messages[0].text
    cleared = await service.handle_command(ctx(), "timezone clear")
    assert "*UTC*" in cleared.messages[0].text


@pytest.mark.parametrize(("zone", "suggested"), [("Europe/Berln", "Europe/Berlin"), ("berlin", "Europe/Berlin")])
async def test_did_you_mean(make_service: ServiceFactory, clock: FakeClock, zone: str, suggested: str) -> None:
    service, _ = await make_service(clock)
    with pytest.raises(UserError, match=f"Did you mean .*`{suggested}`"):
        await service.handle_command(ctx(), f"timezone {zone}")
