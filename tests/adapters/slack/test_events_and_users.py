"""Pure translation of Slack payloads, the users.info cache, and choosing the mode from settings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.slack.adapter import SlackConfigError, choose_mode
from bot.adapters.slack.events import (
    DeletedMessage,
    EditedMessage,
    PostedMessage,
    parse_message_event,
    team_of,
    ts_datetime,
)
from bot.adapters.slack.users import UserDirectory, parse_user
from bot.config import Settings
from bot.core.refs import ChannelRef, ThreadRef
from tests.adapters.slack.mock_api import MockSlackApi

T = "T1"
C = "C1"
CHANNEL = ChannelRef("slack", C, T)


def test_a_thread_reply_keeps_its_thread_and_a_stable_key() -> None:
    parsed = parse_message_event(T, {"type": "message", "channel": C, "user": "U1", "text": "a &lt; b &amp;&amp; c",
                                     "ts": "2.000001", "thread_ts": "1.000000"})
    assert isinstance(parsed, PostedMessage)
    assert parsed.ref.thread == ThreadRef(CHANNEL, "1.000000")
    assert parsed.event_key == "slack:T1:C1:2.000001"
    assert parsed.text == "a < b && c"
    assert not parsed.is_bot
    assert parsed.order_key == "thread:T1:C1:1.000000"


def test_roots_broadcasts_bots_edits_deletes_and_noise() -> None:
    root = parse_message_event(T, {"type": "message", "channel": C, "user": "U1", "text": "hi", "ts": "1.0"})
    assert isinstance(root, PostedMessage) and root.ref.thread is None
    parent = parse_message_event(T, {"type": "message", "channel": C, "user": "U1", "text": "hi", "ts": "1.0",
                                     "thread_ts": "1.0"})
    assert isinstance(parent, PostedMessage) and parent.ref.thread is None, "a parent is not in its own thread"
    broadcast = parse_message_event(T, {"type": "message", "subtype": "thread_broadcast", "channel": C, "user": "U1",
                                        "text": "also", "ts": "3.0", "thread_ts": "1.0"})
    assert isinstance(broadcast, PostedMessage) and broadcast.ref.thread is not None
    bot = parse_message_event(T, {"type": "message", "subtype": "bot_message", "channel": C, "bot_id": "B9",
                                  "text": "beep", "ts": "4.0", "thread_ts": "1.0"})
    assert isinstance(bot, PostedMessage) and bot.is_bot
    edit = parse_message_event(T, {"type": "message", "subtype": "message_changed", "channel": C,
                                   "message": {"user": "U1", "text": "new", "ts": "2.0", "thread_ts": "1.0"},
                                   "previous_message": {"user": "U1", "text": "old", "ts": "2.0"}})
    assert edit == EditedMessage("slack:T1:C1:2.0", "new", "thread:T1:C1:1.0")
    unfurl = parse_message_event(T, {"type": "message", "subtype": "message_changed", "channel": C,
                                     "message": {"user": "U1", "text": "same", "ts": "2.0"},
                                     "previous_message": {"user": "U1", "text": "same", "ts": "2.0"}})
    assert unfurl is None, "an unfurl is not an edit"
    deleted = parse_message_event(T, {"type": "message", "subtype": "message_deleted", "channel": C,
                                      "deleted_ts": "2.0", "previous_message": {"ts": "2.0", "thread_ts": "1.0"}})
    assert deleted == DeletedMessage("slack:T1:C1:2.0", "thread:T1:C1:1.0")
    for noise in ({"subtype": "channel_join", "user": "U1", "ts": "5.0"}, {"user": "U1"}, {"ts": "5.0"}):
        assert parse_message_event(T, {"type": "message", "channel": C, **noise}) is None
    assert parse_message_event(T, {"type": "message", "user": "U1", "ts": "5.0"}) is None, "no channel"


def test_team_and_time_from_any_payload_shape() -> None:
    assert team_of({"team_id": "T1"}) == team_of({"team": {"id": "T1"}}) == team_of({"user": {"team_id": "T1"}})
    assert ts_datetime("1772443800.000100") == datetime(2026, 3, 2, 9, 30, 0, 100, tzinfo=UTC)


def test_users_info_parsing() -> None:
    user = parse_user(T, {"id": "U1", "tz": "Europe/Berlin", "is_owner": True, "profile": {"display_name": "<b>"}})
    assert (user.name, user.timezone, user.is_admin) == ("&lt;b&gt;", "Europe/Berlin", True)
    odd = parse_user(T, {"id": "U2", "tz": "Mars/Olympus", "real_name": "R"})
    assert (odd.name, odd.timezone, odd.is_admin) == ("R", None, False)


async def test_users_are_cached_for_a_while_and_looked_up_once_at_a_time() -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    async with MockSlackApi() as api:
        api.add_user("U1", "Una", tz="Asia/Tokyo")
        now = [0.0]
        directory = UserDirectory(AsyncWebClient(token="xoxb-t", base_url=api.api_url), ttl_seconds=60,
                                  now=lambda: now[0], admin_ids=["U9"])
        first = await asyncio.gather(*(directory.lookup(T, "U1") for _ in range(5)))
        assert {u.timezone for u in first if u} == {"Asia/Tokyo"}
        assert len(api.calls_to("users.info")) == 1, "concurrent lookups share one call"
        now[0] = 59
        await directory.lookup(T, "U1")
        assert len(api.calls_to("users.info")) == 1
        now[0] = 61
        await directory.lookup(T, "U1")
        assert len(api.calls_to("users.info")) == 2, "refreshed after the TTL"
        missing = await directory.lookup(T, "U404")
        assert missing is None, "an unknown user degrades to no data"
        ref, user = await directory.user_ref(T, "U404", fallback_name="who<")
        assert (ref.display_name, user) == ("who&lt;", None)
        assert directory.can_manage("U9", None) and not directory.can_manage("U404", None)


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_mode_comes_from_the_settings() -> None:
    assert choose_mode(_settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")) == "socket"
    assert choose_mode(_settings(slack_bot_token="xoxb-1", slack_mode="http", slack_signing_secret="s")) == "http"
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN"):
        choose_mode(_settings(slack_bot_token="xoxb-1", slack_app_token=None))
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        choose_mode(_settings(slack_bot_token="xoxb-1", slack_mode="http", slack_signing_secret=None))
