"""``/practice drill`` on Slack: the question in the bot's direct messages, a thread on it, answers
there (``message.im`` events) scored at once in the same thread, through the real bolt app."""

from __future__ import annotations

from tests.adapters.slack.conftest import ALICE, BOB, CHANNEL, SlackHarness, member
from tests.adapters.slack.test_interview import SCOPE_ANSWER

DM = "D" + ALICE[1:]  # the mock opens the app's DM with a user as D + the user id's rest


async def test_a_drill_is_asked_in_a_direct_message_thread_and_scored_there(slack: SlackHarness) -> None:
    [pointer] = await slack.command("drill")
    assert pointer.payload["response_type"] == "ephemeral"
    assert "direct messages" in pointer.payload["text"]
    [question] = [c for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == ALICE]
    assert "Drill: " in question.params["text"]
    assert not slack.roots(), "nothing is posted in the channel"
    await slack.say(ALICE, SCOPE_ANSWER, thread_ts=question.ts, channel=DM)
    await slack.say(BOB, "not Bob's drill", thread_ts=question.ts, channel=DM)
    await slack.adapter.settle()
    await slack.service.dispatcher.drain()
    [reaction] = slack.api.calls_to("reactions.add")
    assert reaction.params["channel"] == DM
    scored = slack.api.posts(channel=DM, thread_ts=question.ts)
    assert [c.text.split("\n")[0] for c in scored] == ["*Drill scored*"], "one score, in the DM thread"
    streak = await slack.service.store.get_streak(member(ALICE))
    assert streak is not None and streak.total_days == 1
    assert CHANNEL not in {c.params.get("channel") for c in slack.api.calls_to("chat.postMessage")}
