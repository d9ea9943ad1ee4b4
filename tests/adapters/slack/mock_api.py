"""A local stand-in for Slack: the Web API, response URLs and a Socket Mode WebSocket.

It records every call (method, parameters, arrival time), answers like Slack does
(``{"ok": true, "ts": ...}``), can be told to fail the next calls of a method (429 with
``Retry-After``, or an ``ok: false`` error), and can enforce Slack's posting limits
(one message per second per channel, a workspace-wide rate) for benchmarks.

Used in-process by the tests (``async with MockSlackApi() as api``) and as a separate
process by the benchmarks (``python -m tests.adapters.slack.mock_api --port 0``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    """``time.monotonic()`` when the call arrived."""
    token: str = ""
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def ts(self) -> str:
        """The ts Slack gave a posted message."""
        return str(self.answer["ts"])

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))


@dataclass(frozen=True)
class Response:
    """A POST to a response URL (what ``respond()`` sent)."""

    tag: str
    payload: dict[str, Any]
    at: float


@dataclass
class Failure:
    status: int
    error: str
    retry_after: float | None
    times: int


@dataclass
class Limits:
    """Slack-like limits on ``chat.postMessage`` (``None``: unlimited)."""

    channel_interval: float | None = None
    """Seconds between two accepted posts in one channel (Slack: about 1)."""
    workspace_per_second: int | None = None
    """Accepted posts per one-second window across the workspace."""


@dataclass
class PostStats:
    accepted: Counter[str] = field(default_factory=Counter)
    accepted_per_second: Counter[int] = field(default_factory=Counter)
    rejected_per_second: Counter[int] = field(default_factory=Counter)
    accepted_per_token: Counter[str] = field(default_factory=Counter)
    last_at_per_token: dict[str, float] = field(default_factory=dict)
    rejected_channel: int = 0
    rejected_workspace: int = 0
    responses: int = 0
    first_at: float | None = None
    last_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted_total": sum(self.accepted.values()),
            "channels": len(self.accepted),
            "duplicates": sum(n - 1 for n in self.accepted.values() if n > 1),
            "rejected_channel": self.rejected_channel,
            "rejected_workspace": self.rejected_workspace,
            "responses": self.responses,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "per_channel": dict(self.accepted),
            "accepted_per_second": dict(self.accepted_per_second),
            "rejected_per_second": dict(self.rejected_per_second),
            "accepted_per_token": dict(self.accepted_per_token),
            "last_at_per_token": dict(self.last_at_per_token),
        }


def _user(user_id: str, *, name: str, tz: str = "UTC", is_admin: bool = False, is_owner: bool = False,
          is_bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name.lower(),
        "real_name": name,
        "tz": tz,
        "is_admin": is_admin,
        "is_owner": is_owner,
        "is_primary_owner": False,
        "is_bot": is_bot,
        "profile": {"display_name": name, "real_name": name},
    }


class MockSlackApi:
    def __init__(self, *, users: dict[str, dict[str, Any]] | None = None, limits: Limits | None = None,
                 record: bool = True) -> None:
        self.users: dict[str, dict[str, Any]] = dict(users or {})
        self.limits = limits or Limits()
        self.record = record
        self.calls: list[ApiCall] = []
        self.responses: list[Response] = []
        self.stats = PostStats()
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._seq = itertools.count(1)
        self._last_post: dict[str, float] = {}
        self._window: tuple[int, int] = (0, 0)
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._sockets: list[web.WebSocketResponse] = []
        self.history: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        """Posted messages per channel, oldest first (``conversations.history`` / ``.replies``)."""
        self._socket_acks: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        """file id -> the bytes POSTed to its upload URL (``files_upload_v2``'s second step)."""
        self.grants: dict[str, dict[str, str]] = {}
        """OAuth codes ``oauth.v2.access`` accepts (once each), with the workspace and token they grant."""
        self.team_of_token: dict[str, str] = {}
        self.files: list[dict[str, Any]] = []
        """Files shared by ``files.completeUploadExternal``: id, title, channel, comment, bytes, alt text."""
        self._pending_files: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ set-up
    def add_user(self, user_id: str, name: str, **kwargs: Any) -> None:
        self.users[user_id] = _user(user_id, name=name, **kwargs)

    def fail_next(self, method: str, *, status: int = 429, error: str = "ratelimited",
                  retry_after: float | None = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail (429 + Retry-After by default)."""
        self._failures[method].append(Failure(status, error, retry_after, times))

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, tag: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{tag}"

    async def start(self, port: int = 0) -> MockSlackApi:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{tag}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/_stats", self._stats)
        app.router.add_get("/_history", self._all_history)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, backlog=4096)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> MockSlackApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ reading what happened
    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def posts(self, *, channel: str | None = None, thread_ts: str | None = None,
              in_thread: bool | None = None) -> list[ApiCall]:
        """Messages Slack accepted (failed attempts are in ``calls``)."""
        found = []
        for call in self.calls_to("chat.postMessage"):
            if not call.answer.get("ok"):
                continue
            if channel is not None and call.params.get("channel") != channel:
                continue
            if thread_ts is not None and call.params.get("thread_ts") != thread_ts:
                continue
            if in_thread is not None and bool(call.params.get("thread_ts")) != in_thread:
                continue
            found.append(call)
        return found

    def responses_to(self, tag: str) -> list[Response]:
        return [r for r in self.responses if r.tag == tag]

    async def wait_for(self, condition: Callable[[], Any], *, within: float = 10.0) -> Any:
        """Wait until ``condition()`` is truthy (re-checked on every call the mock sees)."""
        assert self._changed is not None, "start() the mock first"
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)
        return condition()

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ the Web API
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        now = time.monotonic()
        call = ApiCall(method, params, now, token)
        if self.record:
            self.calls.append(call)
        try:
            failure = self._next_failure(method)
            if failure is not None:
                call.status = failure.status
                return self._fail(failure)
            if method == "chat.postMessage":
                limited = self._over_limit(str(params.get("channel", "")), now, token)
                if limited is not None:
                    call.status = 429
                    return limited
            call.answer = self._answer(method, params, token)
            return web.json_response(call.answer)
        finally:
            await self._notify()

    def _next_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        return failure

    @staticmethod
    def _fail(failure: Failure) -> web.Response:
        headers = {}
        if failure.retry_after is not None:
            retry = failure.retry_after
            headers["Retry-After"] = str(int(retry)) if float(retry).is_integer() else str(retry)
        return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)

    def _over_limit(self, channel: str, now: float, token: str = "") -> web.Response | None:
        limits = self.limits
        if limits.channel_interval is not None:
            last = self._last_post.get(channel)
            if last is not None and now - last < limits.channel_interval:
                self.stats.rejected_channel += 1
                self.stats.rejected_per_second[int(now)] += 1
                wait = limits.channel_interval - (now - last)
                return self._fail(Failure(429, "ratelimited", max(1, math.ceil(wait)), 1))
        if limits.workspace_per_second is not None:
            second = int(now)
            window_second, used = self._window
            if window_second != second:
                window_second, used = second, 0
            if used >= limits.workspace_per_second:
                self.stats.rejected_workspace += 1
                self.stats.rejected_per_second[int(now)] += 1
                return self._fail(Failure(429, "ratelimited", 1, 1))
            self._window = (window_second, used + 1)
        self._last_post[channel] = now
        stats = self.stats
        stats.accepted[channel] += 1
        stats.accepted_per_second[int(now)] += 1
        stats.accepted_per_token[token] += 1
        stats.last_at_per_token[token] = now
        stats.first_at = now if stats.first_at is None else stats.first_at
        stats.last_at = now
        return None

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._seq):06d}"

    def grant(self, code: str, *, team_id: str, team_name: str, bot_token: str, installer: str) -> None:
        """Let one install through: ``oauth.v2.access`` with ``code`` answers this workspace and token."""
        self.grants[code] = {"team_id": team_id, "team_name": team_name, "bot_token": bot_token,
                             "installer": installer}
        self.team_of_token[bot_token] = team_id

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        grant = self.grants.pop(str(params.get("code", "")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return {"ok": True, "app_id": "A0APP", "authed_user": {"id": grant["installer"]},
                "scope": "chat:write,commands,users:read", "token_type": "bot", "access_token": grant["bot_token"],
                "bot_user_id": BOT_USER_ID, "team": {"id": grant["team_id"], "name": grant["team_name"]},
                "enterprise": None, "is_enterprise_install": False}

    def _answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "auth.test":
            return {"ok": True, "url": "https://practice.slack.com/", "team": "Practice", "user": "practice",
                    "team_id": self.team_of_token.get(token, TEAM_ID),
                    "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = self._ts()
            message = {"type": "message", "text": params.get("text", ""), "ts": ts, "user": BOT_USER_ID,
                       "bot_id": BOT_ID}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            metadata = params.get("metadata")
            if isinstance(metadata, str):  # form-encoded bodies carry it as JSON text
                metadata = json.loads(metadata)
            if metadata:
                message["metadata"] = metadata
            channel = str(params.get("channel", ""))
            if channel.startswith("U"):  # posting to a user id opens the app's direct message with them
                channel = "D" + channel[1:]
            self.history[channel].append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method in {"conversations.history", "conversations.replies"}:
            return self._history(method, params)
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"), "text": params.get("text")}
        if method == "reactions.add":
            return {"ok": True}
        if method == "users.info":
            user = self.users.get(str(params.get("user", "")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{params.get('users', '')}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._seq):06d}"
            self._pending_files[file_id] = {"id": file_id, "name": params.get("filename"),
                                            "length": int(params.get("length", 0)), "alt_txt": params.get("alt_txt")}
            return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return self._complete_upload(params)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": True}

    def _history(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, as Slack answers; metadata only with ``include_all_metadata``; no paging."""
        oldest = float(params.get("oldest") or 0)
        thread = str(params.get("ts", ""))
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        found = []
        for message in reversed(self.history[str(params.get("channel", ""))]):
            in_place = (message.get("thread_ts") == thread or message["ts"] == thread if method.endswith("replies")
                        else "thread_ts" not in message)
            if in_place and float(message["ts"]) >= oldest:
                found.append(message if with_metadata else {k: v for k, v in message.items() if k != "metadata"})
        return {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if isinstance(files, str):  # form-encoded bodies carry it as JSON text
            files = json.loads(files)
        shared = []
        for entry in files or []:
            pending = self._pending_files.pop(str(entry["id"]), None)
            if pending is None or pending["id"] not in self.uploads:
                return {"ok": False, "error": "file_not_found"}
            data = self.uploads[pending["id"]]
            if len(data) != pending["length"]:
                return {"ok": False, "error": "invalid_upload"}
            shared.append({**pending, "title": entry.get("title"), "channel": params.get("channel_id"),
                           "initial_comment": params.get("initial_comment"), "thread_ts": params.get("thread_ts"),
                           "data": data})
        self.files.extend(shared)
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        await self._notify()
        return web.Response(text="OK - uploaded")

    # ------------------------------------------------------------------ response URLs
    async def _respond(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.stats.responses += 1
        if self.record:
            self.responses.append(Response(request.match_info["tag"], payload, time.monotonic()))
        await self._notify()
        return web.Response(text="ok")

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats.as_dict())

    async def _all_history(self, _request: web.Request) -> web.Response:
        """Every message Slack accepted, per channel (benchmarks that count duplicates read it)."""
        return web.json_response(self.history)

    # ------------------------------------------------------------------ Socket Mode
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._notify()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self._socket_acks[data["envelope_id"]] = data
                    await self._notify()
        return ws

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def push(self, envelope_type: str, payload: dict[str, Any], *, envelope_id: str,
                   retry_attempt: int = 0) -> dict[str, Any]:
        """Send an envelope to the connected Socket Mode client; return its ack."""
        ws = next(ws for ws in self._sockets if not ws.closed)
        await ws.send_json({
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        })
        ack: dict[str, Any] = await self.wait_for(lambda: self._socket_acks.get(envelope_id))
        return ack


async def _serve(args: argparse.Namespace) -> None:
    limits = Limits(channel_interval=args.channel_interval, workspace_per_second=args.workspace_rate)
    api = MockSlackApi(limits=limits, record=False)
    for n in range(args.users):
        api.add_user(f"U{n:05d}", f"member{n}")
    await api.start(args.port)
    print(f"PORT {api.port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="a local mock of Slack's Web API (benchmarks)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--channel-interval", type=float, default=None)
    parser.add_argument("--workspace-rate", type=int, default=None)
    parser.add_argument("--users", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
