"""Forget-me in the core: the grammar, the question, and who may answer it (on an in-memory store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.core.grammar import ForgetMeCommand, parse_command
from bot.core.members import CONFIRM_WINDOW, FORGET, KEEP, ForgetReport, Forgetting
from bot.core.messages import Action, Button, CommandContext
from bot.core.refs import ChannelRef, MessageRef, UserRef
from bot.scheduling.clock import FakeClock
from tests.fakes.members import FakeForget

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C1", "T1")
ANN = UserRef("slack", "U1", "T1", "Ann")
BEN = UserRef("slack", "U2", "T1", "Ben")


@pytest.mark.parametrize("text", ["forget-me", "/practice forget-me", "FORGET-ME", "forgetme", "forget me"])
def test_the_command_is_understood(text: str) -> None:
    assert parse_command(text) == ForgetMeCommand()


@pytest.mark.parametrize(("text", "says"), [
    ("forget-me bob", "takes no options: it only ever forgets you"),
    ("forget me now", "takes no options"),
    ("forget", "Did you mean `/practice forget-me`?"),
    ("forget bob", "Did you mean `/practice forget-me`?"),
])
def test_anything_else_is_refused_with_the_usage(text: str, says: str) -> None:
    with pytest.raises(UserError, match=says.replace("?", r"\?")):
        parse_command(text)


def setup() -> tuple[Forgetting, FakeForget, FakeClock]:
    store, clock = FakeForget(), FakeClock(START)
    return Forgetting(store=store, clock=clock), store, clock


async def question(forgetting: Forgetting) -> tuple[Button, Button]:
    reply = await forgetting.ask(CommandContext(CHANNEL, ANN))
    [message] = reply.messages
    assert message.ephemeral and message.title == "Forget me?"
    assert "cannot be undone" in message.text and "works for 10 minutes" in message.text
    forget, keep = message.buttons()
    assert (forget.action, forget.style, keep.action) == (FORGET, "danger", KEEP)
    assert forget.value == keep.value == f"U1-{int(START.timestamp())}"
    return forget, keep


def click(button: Button, user: UserRef = ANN) -> Action:
    return Action(button.action, button.value, user, MessageRef(CHANNEL, "m1"), "slack:T1:action:U1:1.0")


async def test_the_askers_yes_forgets_them_once() -> None:
    forgetting, store, _ = setup()
    forget, _ = await question(forgetting)
    assert store.forgotten == [], "asking deletes nothing"
    [done] = (await forgetting.handle_action(click(forget))).messages
    assert store.forgotten == [("slack", "U1")]
    assert done.ephemeral and "I deleted 6 rows about you" in done.text
    [again] = (await forgetting.handle_action(click(forget))).messages
    assert again.text == "I had nothing about you to delete."


async def test_someone_elses_click_and_keep_delete_nothing() -> None:
    forgetting, store, _ = setup()
    forget, keep = await question(forgetting)
    [refused] = (await forgetting.handle_action(click(forget, BEN))).messages
    assert "it can only forget the person who asked" in refused.text
    [kept] = (await forgetting.handle_action(click(keep))).messages
    assert kept.text == "Nothing was deleted."
    assert store.forgotten == []


async def test_an_old_question_expires() -> None:
    forgetting, store, clock = setup()
    forget, _ = await question(forgetting)
    clock.advance(seconds=CONFIRM_WINDOW.total_seconds() + 1)
    [expired] = (await forgetting.handle_action(click(forget))).messages
    assert "expired, so nothing was deleted" in expired.text
    clock.set(START - timedelta(seconds=5))  # a click "before" the question: a forged or damaged value
    [expired] = (await forgetting.handle_action(click(forget))).messages
    assert "expired" in expired.text
    assert store.forgotten == []


@pytest.mark.parametrize("value", ["", "U1", "U1-", "-123", "U1-12a", "U1-١٢٣"])
async def test_a_damaged_value_is_a_clear_error(value: str) -> None:
    forgetting, store, _ = setup()
    with pytest.raises(UserError, match="damaged"):
        await forgetting.handle_action(Action(FORGET, value, ANN, MessageRef(CHANNEL, "m1"), "k"))
    assert store.forgotten == []


async def test_an_unknown_member_button_is_no_longer_supported() -> None:
    forgetting, _, _ = setup()
    with pytest.raises(UserError, match="no longer supported"):
        await forgetting.handle_action(Action("member.pause", "U1-1", ANN, MessageRef(CHANNEL, "m1"), "k"))


async def test_the_report_counts_every_kind() -> None:
    report = ForgetReport(members=1, answers=2, scores=3, interviews=4, practice_days=5, events=6, outbox=7)
    assert report.total == 28
