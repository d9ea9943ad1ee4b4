"""Requests signed the way Slack signs them, and payloads shaped the way Slack sends them."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.adapters.slack.mock_api import BOT_USER_ID, TEAM_ID

APP_ID = "A0PRACTICE"


def sign(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def command_body(text: str, *, user: str, channel: str, response_url: str, command: str = "/practice",
                 team: str = TEAM_ID) -> str:
    return urlencode({
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "practice",
        "channel_id": channel,
        "channel_name": "practice",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"trigger.{time.monotonic_ns()}",
    })


def event_body(event: dict[str, Any], *, event_id: str, team: str = TEAM_ID) -> str:
    return json.dumps({
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    })


def action_body(*, action_id: str, value: str, user: str, channel: str, message_ts: str,
                thread_ts: str | None, response_url: str, action_ts: str) -> str:
    message: dict[str, Any] = {"type": "message", "ts": message_ts, "user": BOT_USER_ID, "bot_id": "B0BOT",
                               "text": "..."}
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "practice"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                      "is_ephemeral": False, **({"thread_ts": thread_ts} if thread_ts else {})},
        "trigger_id": f"trigger.{action_ts}",
        "channel": {"id": channel, "name": "practice"},
        "message": message,
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                     "action_ts": action_ts, "text": {"type": "plain_text", "text": "x"}}],
    }
    return urlencode({"payload": json.dumps(payload)})


@dataclass
class HttpAnswer:
    status: int
    body: str
    elapsed: float


class SignedClient:
    """Posts to a bolt app's ``/slack/events`` as Slack would."""

    def __init__(self, base_url: str, secret: str) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> SignedClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    def next_id(self) -> int:
        return next(self._ids)

    async def post(self, body: str, *, content_type: str, secret: str | None = None, timestamp: int | None = None,
                   headers: dict[str, str] | None = None) -> HttpAnswer:
        assert self._session is not None
        signed = sign(secret or self.secret, body, timestamp=timestamp)
        all_headers = {"Content-Type": content_type, **signed, **(headers or {})}
        started = time.perf_counter()
        async with self._session.post(self.url, data=body.encode(), headers=all_headers) as response:
            text = await response.text()
        return HttpAnswer(response.status, text, time.perf_counter() - started)

    async def get(self, path: str) -> HttpAnswer:
        assert self._session is not None
        started = time.perf_counter()
        async with self._session.get(self.base_url + path) as response:
            text = await response.text()
        return HttpAnswer(response.status, text, time.perf_counter() - started)


def home_action_body(*, action_id: str, user: str, action_ts: str) -> str:
    """A click on a button of the App Home: a ``view`` container, no channel, no message, no response URL."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "practice"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": f"trigger.{action_ts}",
        "view": {"id": "V0HOME", "type": "home"},
        "actions": [{"action_id": action_id, "block_id": "b1", "value": "", "type": "button",
                     "action_ts": action_ts, "text": {"type": "plain_text", "text": "x"}}],
    }
    return urlencode({"payload": json.dumps(payload)})
