"""The App Home through the real bolt app and the mock Web API: ``app_home_opened`` publishes the
member's home (``views.publish`` for that user), its buttons start a drill or send the stats to the
member's DMs, and a burst of new score cards refreshes the home once (debounced)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.slack import SlackAdapter
from bot.core.refs import UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.adapters.slack.conftest import ALICE, BOB, FAST, SECRET, SlackHarness, member, slack_settings
from tests.adapters.slack.mock_api import MockSlackApi
from tests.adapters.slack.signed import SignedClient, home_action_body
from tests.adapters.slack.test_interview import SCOPE_ANSWER

DM = "D" + ALICE[1:]


@pytest.fixture
async def slack(api: MockSlackApi, service: PracticeService, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    options = dataclasses.replace(FAST, home_debounce_seconds=3600)  # the test says when the moment has passed
    adapter = SlackAdapter(slack_settings(api), service, options=options)
    await adapter.start()
    try:
        async with SignedClient(f"http://127.0.0.1:{adapter.port}", SECRET) as client:
            yield SlackHarness(adapter, api, service, clock, client)
    finally:
        await adapter.stop()


def _alice() -> UserRef:
    return member(ALICE)


def _texts(view: dict[str, Any]) -> str:
    parts = []
    for block in view["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
    return "\n".join(parts)


def _action_ids(view: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def _open_home(slack: SlackHarness, user: str, tab: str = "home") -> None:
    await slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab,
                       "event_ts": slack.new_ts()}, processed=tab == "home")
    await slack.adapter.settle()


async def _click(slack: SlackHarness, action_id: str, user: str = ALICE) -> None:
    before = slack.adapter.workers.processed
    answer = await slack.client.post(home_action_body(action_id=action_id, user=user, action_ts=slack.new_ts()),
                                     content_type="application/x-www-form-urlencoded")
    assert answer.status == 200
    await slack.adapter.workers.wait_processed(before + 1)
    await slack.adapter.settle()


async def test_opening_the_home_tab_publishes_that_members_home(slack: SlackHarness) -> None:
    await _open_home(slack, ALICE)
    [published] = slack.api.calls_to("views.publish")
    assert published.params["user_id"] == ALICE
    view = published.params["view"]
    assert view["type"] == "home"
    text = _texts(view)
    assert "Current streak" in text and "Practice days" in text
    assert "No scored answers yet." in text and "a drill picks a section for you" in text
    assert _action_ids(view) == ["home.drill", "home.stats"]
    await _open_home(slack, BOB, tab="messages")
    assert len(slack.api.calls_to("views.publish")) == 1, "the Messages tab publishes nothing"


async def test_home_buttons_start_a_drill_and_a_burst_of_scores_refreshes_the_home_once(
    slack: SlackHarness,
) -> None:
    await _click(slack, "home.drill")
    [question] = [c for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == ALICE]
    assert "Drill: " in question.params["text"]
    await slack.say(ALICE, SCOPE_ANSWER, thread_ts=question.ts, channel=DM)
    await slack.say(ALICE, "And a second thought: cache hot links in Redis.", thread_ts=question.ts, channel=DM)
    await slack.adapter.settle()
    scored = [c for c in slack.api.posts(channel=DM, thread_ts=question.ts) if c.text.startswith("*Drill scored*")]
    assert len(scored) == 2, "each answer scored at once"
    home = slack.adapter.home
    assert home is not None
    assert slack.api.calls_to("views.publish") == [], "not at once: debounced"
    assert home.pending() == {ALICE}, "two new cards, one refresh scheduled"
    await home.flush()
    [published] = slack.api.calls_to("views.publish")
    assert published.params["user_id"] == ALICE
    text = _texts(published.params["view"])
    assert "/10* on " in text and "(drill)" in text, "the last scores include the drill's"

    await _click(slack, "home.stats")
    [opened] = slack.api.calls_to("conversations.open")[-1:]
    assert opened.params["users"] == ALICE
    last = slack.api.calls_to("chat.postMessage")[-1]
    assert last.params["channel"] == opened.answer["channel"]["id"] and "thread_ts" not in last.params
    assert "Alice's practice" in last.params["text"], "the stats, by DM (no renderer here: as text)"


async def test_a_scheduled_refresh_publishes_when_its_moment_comes(slack: SlackHarness) -> None:
    home = slack.adapter.home
    assert home is not None
    home._debounce = 0  # the timer path itself, with no wait
    # a score on another platform or in another workspace is not this app's to refresh
    home.scored(dataclasses.replace(_alice(), platform="discord"))
    home.scored(dataclasses.replace(_alice(), workspace="T0OTHER"))
    assert home.pending() == set()
    home.scored(_alice())
    home.scored(_alice())
    assert home.pending() == {ALICE}
    await slack.api.wait_for(lambda: slack.api.calls_to("views.publish"))
    assert [c.params["user_id"] for c in slack.api.calls_to("views.publish")] == [ALICE]
    assert home.pending() == set()
