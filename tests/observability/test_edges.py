"""What the edges count: Slack and Discord 429s by platform and method, and button clicks as commands."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.slack import SlackAdapter
from bot.config import Settings
from bot.core.errors import UserError
from bot.core.messages import Action, OutMessage
from bot.core.refs import ChannelRef, MessageRef, UserRef
from bot.runtime import Runtime, build_runtime, platform_adapters
from bot.scheduling.clock import FakeClock
from tests.adapters.slack.conftest import slack_settings
from tests.adapters.slack.mock_api import TEAM_ID, MockSlackApi
from tests.observability.scrape import total, value


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'edges.db'}", _env_file=None)
    built = await build_runtime(settings, clock=FakeClock(), offline_only=True)
    try:
        yield built
    finally:
        await built.close()


async def test_slack_429s_are_counted_by_method(tmp_path: Path) -> None:
    async with MockSlackApi() as api:
        settings = slack_settings(api, database_url=f"sqlite:///{tmp_path / 'slack.db'}")
        built = await build_runtime(settings, clock=FakeClock(), offline_only=True)
        try:
            [adapter] = platform_adapters(settings, built.service, runtime=built)
            assert isinstance(adapter, SlackAdapter)
            await adapter.start()
            try:
                assert adapter.chat is not None
                api.fail_next("chat.postMessage", retry_after=0, times=2)
                await adapter.chat.send(ChannelRef("slack", "C0LIMITED", TEAM_ID), OutMessage("hello"))
            finally:
                await adapter.stop()
            text = built.metrics.render().decode()
        finally:
            await built.close()
    assert [c.status for c in api.calls_to("chat.postMessage")] == [429, 429, 200]
    assert value(text, "practice_bot_rate_limited_total", platform="slack", method="chat.postMessage") == 2
    assert total(text, "practice_bot_rate_limited_total") == 2


async def test_discord_429s_are_counted_from_its_own_log_line_by_route(runtime: Runtime) -> None:
    discord_http = logging.getLogger("discord.http")
    before = list(discord_http.handlers)
    settings = Settings(database_url="sqlite:///unused.db", discord_token="t", _env_file=None)
    platform_adapters(settings, runtime.service, runtime=runtime)  # wires the log handler
    try:
        # the line discord.py's HTTP client writes when a route answers 429 and it waits
        discord_http.warning("We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.",
                             "POST", "https://discord.com/api/v10/channels/123456789012345678/messages", 0.5)
        discord_http.info("an unrelated line")
    finally:
        for handler in [h for h in discord_http.handlers if h not in before]:
            discord_http.removeHandler(handler)
    text = runtime.metrics.render().decode()
    assert value(text, "practice_bot_rate_limited_total", platform="discord",
                 method="POST /channels/{id}/messages") == 1
    assert total(text, "practice_bot_rate_limited_total") == 1


def click(action_id: str, value: str = "1") -> Action:
    channel = ChannelRef("console", "console")
    return Action(action=action_id, value=value, user=UserRef("console", "you"),
                  message=MessageRef(channel, "m1"), event_key=f"click:{action_id}")


async def test_button_clicks_count_as_commands_under_their_owner(runtime: Runtime) -> None:
    service = runtime.service
    with pytest.raises(UserError):
        await service.handle_action(click("no.such.button"))
    with pytest.raises(UserError):
        await service.handle_action(click("interview.next"))  # no such interview: refused
    reply = await service.handle_action(click("member.keep", "you-1700000000"))  # "keep my data"
    assert reply.messages
    text = runtime.metrics.render().decode()
    assert value(text, "practice_bot_commands_total", command="click:unknown", outcome="refused") == 1
    assert value(text, "practice_bot_commands_total", command="click:interview", outcome="refused") == 1
    assert value(text, "practice_bot_commands_total", command="click:member", outcome="ok") == 1
    assert total(text, "practice_bot_commands_total") == 3
