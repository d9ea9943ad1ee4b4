"""A local fake of Discord's REST API and gateway, on 127.0.0.1, recording every call.

discord.py talks to it for real: point ``discord.http.Route.BASE`` at ``base_url`` (and the gateway
at ``gateway_url``). It answers what the bot uses, the way Discord does in the details that matter to
discord.py: ``Content-Type: application/json`` exactly (with a charset suffix discord.py reads text),
a 429 carries a ``Via`` header and a JSON ``retry_after`` (without them discord.py treats it as a
Cloudflare ban), the interaction callback answers ``?with_response=1`` with an
``InteractionCallbackResponse``.

Threads and messages the bot creates are kept, so ``GET /channels/{id}`` knows a thread's parent,
and tests can pick up a posted message (with its components) to press its buttons.

For benchmarks it also runs in a process of its own (``fake_process.ProcessFakeDiscord``); ``GET /_calls``
then lists what it saw.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

API_PREFIX = "/api/v10"
APPLICATION_ID = 1_100_000_000_000_000_001
BOT_USER_ID = APPLICATION_ID
GUILD_ID = 1_100_000_000_000_000_100
CHANNEL_ID = 1_100_000_000_000_000_200
OTHER_CHANNEL_ID = 1_100_000_000_000_000_201
BOT_USER = {
    "id": str(BOT_USER_ID),
    "username": "practice-bot",
    "global_name": "Practice Bot",
    "discriminator": "0",
    "avatar": None,
    "bot": True,
    "flags": 0,
    "mfa_enabled": False,
    "verified": True,
}
JsonObject = dict[str, Any]


@dataclass
class Call:
    method: str
    path: str
    """Without the ``/api/v10`` prefix, e.g. ``/channels/1/messages``."""
    json: Any
    query: dict[str, str]
    status: int
    at: float
    """``time.perf_counter()`` when the request arrived."""
    files: list[JsonObject] = field(default_factory=list)
    """Uploaded files of a multipart request: ``filename``, ``content_type``, ``data`` (bytes) and the
    ``description`` (alt text) the JSON part gave it; the JSON part itself is ``json``."""


@dataclass
class _RateLimit:
    method: str
    path: re.Pattern[str]
    retry_after: float
    remaining: int


@dataclass
class FakeDiscord:
    host: str = "127.0.0.1"
    calls: list[Call] = field(default_factory=list)
    channels: dict[int, JsonObject] = field(default_factory=dict)
    messages: dict[int, JsonObject] = field(default_factory=dict)
    gateway_close_code: int | None = None
    refuse_uploads: bool = False
    """Answer every request that carries files with 413 (Discord's "Request entity too large")."""
    """Close the gateway with this code right after IDENTIFY (e.g. 4014: disallowed intents)."""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1_200_000_000_000_000_000, 1 << 22)
        self._rate_limits: list[_RateLimit] = []
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._sequence = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.add_text_channel(CHANNEL_ID)
        self.add_text_channel(OTHER_CHANNEL_ID)

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/_calls", self._calls)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0, backlog=4096)  # a burst opens hundreds of connections at once
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ test controls
    def next_id(self) -> int:
        return next(self._ids)

    def add_text_channel(self, channel_id: int, *, guild_id: int = GUILD_ID, name: str = "practice") -> JsonObject:
        channel = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        self.channels[channel_id] = channel
        return channel

    def dm_channel(self, user_id: int) -> JsonObject:
        """The bot's direct-message channel with a user: opened once, the same one after."""
        for channel in self.channels.values():
            if channel.get("type") == 1 and channel.get("recipient_id") == str(user_id):
                return channel
        channel_id = self.next_id()
        channel = {"id": str(channel_id), "type": 1, "last_message_id": None, "recipient_id": str(user_id),
                   "recipients": [{"id": str(user_id), "username": f"user{user_id}", "discriminator": "0",
                                   "global_name": None, "avatar": None}]}
        self.channels[channel_id] = channel
        return channel

    def rate_limit(self, method: str, path_regex: str, *, retry_after: float = 0.05, times: int = 1) -> None:
        """The next ``times`` requests matching answer 429 (with ``Via`` and a JSON ``retry_after``)."""
        self._rate_limits.append(_RateLimit(method.upper(), re.compile(path_regex), retry_after, times))

    def find(self, method: str | None = None, path: str | None = None, *, status: int | None = None) -> list[Call]:
        """Calls in arrival order; ``path`` is a regex matched against the whole path."""
        pattern = re.compile(path) if path else None
        return [
            c
            for c in list(self.calls)
            if (method is None or c.method == method.upper())
            and (pattern is None or pattern.fullmatch(c.path))
            and (status is None or c.status == status)
        ]

    def posted_in(self, channel_id: int) -> list[JsonObject]:
        """Messages the bot posted in a channel or thread (REST), oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == str(channel_id) and "webhook_id" not in m]

    def threads_of(self, channel_id: int) -> list[JsonObject]:
        return [c for c in self.channels.values() if c.get("parent_id") == str(channel_id)]

    async def wait_for(self, predicate: Callable[[], object], *, timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every recorded call."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            event = asyncio.Event()
            waiter = (loop, event)
            self._waiters.append(waiter)
            try:
                if predicate():
                    return
                await asyncio.wait_for(event.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout} s; last calls: {self.summary()[-8:]}") from None
            finally:
                self._waiters.remove(waiter)

    def summary(self) -> list[str]:
        return [f"{c.status} {c.method} {c.path}" for c in self.calls]

    async def dispatch(self, event: str, data: JsonObject) -> None:
        """Send a gateway DISPATCH to every connected client."""
        frame = {"op": 0, "t": event, "s": next(self._sequence), "d": data}
        for socket in list(self._sockets):
            await socket.send_str(json.dumps(frame))

    # ------------------------------------------------------------------ payloads
    def message_payload(self, channel_id: int, body: JsonObject, *, author: JsonObject | None = None,
                        webhook_id: int | None = None) -> JsonObject:
        message_id = self.next_id()
        channel = self.channels.get(channel_id, {})
        message: JsonObject = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": 0,
            "content": body.get("content") or "",
            "author": author or BOT_USER,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [_attachment(self.next_id(), a) for a in body.get("attachments") or []],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": body.get("flags") or 0,
        }
        if channel.get("guild_id"):
            message["guild_id"] = channel["guild_id"]
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
        self.messages[message_id] = message
        return message

    def thread_payload(self, parent_id: int, name: str, *, thread_type: int = 11, thread_id: int | None = None,
                       owner_id: int = BOT_USER_ID) -> JsonObject:
        thread_id = thread_id or self.next_id()
        parent = self.channels.get(parent_id, {})
        thread = {
            "id": str(thread_id),
            "type": thread_type,
            "guild_id": parent.get("guild_id", str(GUILD_ID)),
            "parent_id": str(parent_id),
            "name": name,
            "owner_id": str(owner_id),
            "member_count": 1,
            "message_count": 0,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": datetime.now(UTC).isoformat(),
                "locked": False,
                "invitable": thread_type != 12,
            },
        }
        self.channels[thread_id] = thread
        return thread

    # ------------------------------------------------------------------ HTTP
    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for loop, event in list(self._waiters):
            loop.call_soon_threadsafe(event.set)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[JsonObject] = []
        if request.can_read_body and request.content_type == "multipart/form-data":
            body, files = await _read_multipart(request)
        elif request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
            elif raw:
                body = {"multipart": True}
        method = request.method
        limited = self._take_rate_limit(method, path)
        if limited is not None:
            self._record(Call(method, path, body, dict(request.query), 429, arrived, files))
            return _json(
                {"message": "You are being rate limited.", "retry_after": limited, "global": False},
                status=429,
                headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},
            )
        if files and self.refuse_uploads:
            self._record(Call(method, path, body, dict(request.query), 413, arrived, files))
            return _json({"message": "Request entity too large", "code": 40005}, status=413)
        try:
            status, payload = self._route(method, path, body if isinstance(body, dict) else {}, body)
        except KeyError:
            status, payload = 404, {"message": "Unknown", "code": 10003}
        self._record(Call(method, path, body, dict(request.query), status, arrived, files))
        if status == 204:
            return web.Response(status=204)
        return _json(payload, status=status)

    def _take_rate_limit(self, method: str, path: str) -> float | None:
        for rule in self._rate_limits:
            if rule.remaining > 0 and rule.method == method and rule.path.fullmatch(path):
                rule.remaining -= 1
                return rule.retry_after
        return None

    def _route(self, method: str, path: str, body: JsonObject, raw_body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        match method, parts:
            case "GET", ["users", "@me"]:
                return 200, BOT_USER
            case "GET", ["oauth2", "applications", "@me"]:
                return 200, _application()
            case "GET", ["gateway", "bot"]:
                return 200, {"url": self.gateway_url, "shards": 1,
                             "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                                     "max_concurrency": 1}}
            case "PUT", ["applications", _, "commands"] | ["applications", _, "guilds", _, "commands"]:
                guild = parts[3] if len(parts) == 5 else None
                return 200, [_command(c, guild, self.next_id()) for c in (raw_body or [])]
            case "POST", ["users", "@me", "channels"]:
                return 200, self.dm_channel(int(body["recipient_id"]))
            case "GET", ["channels", channel_id]:
                return 200, self.channels[int(channel_id)]
            case "POST", ["channels", channel_id, "messages"]:
                nonce = body.get("nonce")
                if nonce is not None and body.get("enforce_nonce"):  # Discord answers a repeat with the original
                    for earlier in self.posted_in(int(channel_id)):
                        if earlier.get("nonce") == str(nonce):
                            return 200, earlier
                message = self.message_payload(int(channel_id), body)
                if nonce is not None:
                    message["nonce"] = str(nonce)
                return 200, message
            case "PATCH", ["channels", channel_id, "messages", message_id]:
                message = self.messages[int(message_id)]
                message.update({k: v for k, v in body.items() if k in {"content", "embeds", "components"}})
                message["content"] = message.get("content") or ""
                return 200, message
            case "PUT", ["channels", _, "messages", _, "reactions", _, "@me"]:
                return 204, None
            case "POST", ["channels", channel_id, "messages", message_id, "threads"]:
                thread = self.thread_payload(int(channel_id), body.get("name", ""), thread_id=int(message_id))
                return 201, thread
            case "POST", ["channels", channel_id, "threads"]:
                return 201, self.thread_payload(int(channel_id), body.get("name", ""),
                                                thread_type=int(body.get("type", 11)))
            case "PUT", ["channels", _, "thread-members", _]:
                return 204, None
            case "POST", ["interactions", interaction_id, _, "callback"]:
                return 200, self._callback(int(interaction_id), body)
            case "POST", ["webhooks", application_id, _]:
                return 200, self.message_payload(CHANNEL_ID, body, webhook_id=int(application_id))
            case "PATCH", ["webhooks", application_id, _, "messages", "@original"]:
                return 200, self.message_payload(CHANNEL_ID, body, webhook_id=int(application_id))
            case "DELETE", ["webhooks", _, _, "messages", "@original"]:
                return 204, None
        return 404, {"message": f"fake Discord has no route {method} {path}", "code": 0}

    def _callback(self, interaction_id: int, body: JsonObject) -> JsonObject:
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        response: JsonObject = {
            "interaction": {
                "id": str(interaction_id),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            },
            "resource": {"type": kind},
        }
        if kind in {4, 5}:
            message = self.message_payload(CHANNEL_ID, data, webhook_id=APPLICATION_ID)
            response["interaction"]["response_message_id"] = message["id"]
            if kind == 4:
                response["resource"]["message"] = message
        return response

    async def _calls(self, request: web.Request) -> web.Response:
        return _json([[c.method, c.path, c.status, c.at] for c in list(self.calls)])

    # ------------------------------------------------------------------ gateway
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        try:
            await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    break
                message = json.loads(frame.data)
                self._record(Call("WS", f"/gateway/op{message.get('op')}", message.get("d"), {}, 101,
                                  time.perf_counter()))
                if message.get("op") == 1:
                    await socket.send_str(json.dumps({"op": 11}))
                elif message.get("op") == 2:
                    if self.gateway_close_code is not None:
                        await socket.close(code=self.gateway_close_code, message=b"Disallowed intent(s).")
                        break
                    await self.dispatch("READY", {
                        "v": 10,
                        "user": BOT_USER,
                        "guilds": [],
                        "session_id": "fake-session",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": str(APPLICATION_ID), "flags": 0},
                        "shard": [0, 1],
                    })
        finally:
            self._sockets.remove(socket)
        return socket


async def _read_multipart(request: web.Request) -> tuple[JsonObject, list[JsonObject]]:
    """discord.py sends files as ``multipart/form-data``: a ``payload_json`` part and ``files[N]``."""
    body: JsonObject = {}
    uploads: list[JsonObject] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body = json.loads(data)
        else:
            uploads.append({"field": part.name, "filename": part.filename, "data": bytes(data),
                            "content_type": part.headers.get("Content-Type", "")})
    described = {str(a.get("id")): a for a in body.get("attachments") or []}
    for number, upload in enumerate(uploads):
        upload["description"] = described.get(str(number), {}).get("description")
        upload["size"] = len(upload["data"])
    for attachment in body.get("attachments") or []:
        index = int(attachment.get("id", 0))
        if index < len(uploads):
            attachment["size"] = uploads[index]["size"]
    return body, uploads


def _attachment(attachment_id: int, given: JsonObject) -> JsonObject:
    name = str(given.get("filename") or "file")
    url = f"https://cdn.example.invalid/attachments/{attachment_id}/{name}"
    return {"id": str(attachment_id), "filename": name, "size": int(given.get("size") or 0), "url": url,
            "proxy_url": url, "description": given.get("description")}


def _json(payload: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py compares the header verbatim.
    response = web.Response(body=json.dumps(payload).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


def _application() -> JsonObject:
    return {
        "id": str(APPLICATION_ID),
        "name": "Practice Bot",
        "icon": None,
        "description": "System-design interview practice",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": {"id": "1100000000000000999", "username": "owner", "discriminator": "0", "avatar": None},
        "verify_key": "0" * 64,
        "flags": 1 << 19,
        "team": None,
        "summary": "",
    }


def _command(command: JsonObject, guild_id: str | None, command_id: int) -> JsonObject:
    echoed = dict(command)
    echoed.update(id=str(command_id), application_id=str(APPLICATION_ID), version=str(command_id))
    echoed.setdefault("options", [])
    echoed.setdefault("default_member_permissions", None)
    echoed.setdefault("nsfw", False)
    if guild_id is not None:
        echoed["guild_id"] = guild_id
    return echoed


def components_custom_ids(message: JsonObject) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in _walk(row) if "custom_id" in c]


def _walk(component: JsonObject) -> Iterable[JsonObject]:
    yield component
    for child in component.get("components", []):
        yield from _walk(child)
