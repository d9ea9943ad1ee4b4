"""HTTP mode: bolt behind an ASGI app served by uvicorn.

``/slack/events`` takes slash commands, events and interactivity (one Request URL for
all three, as the manifest sets it); ``/healthz`` says the process serves requests;
``/readyz`` says the adapter is connected to Slack and the service is attached.
Every request to ``/slack/events`` passes ``door`` (size, signature, parsing) before bolt sees it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack import door
from bot.adapters.slack.door import MAX_BODY_BYTES
from bot.adapters.slack.installs import INSTALL_PATH, REDIRECT_PATH
from bot.core.errors import new_error_id
from bot.observability.server import AsgiServer, OpsApp

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_QUERY_CHARS = 4096
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLarge(Exception):
    pass


class SlackHttpApp:
    """The ASGI application: health endpoints; ``/slack/events`` through the door, then to bolt."""

    def __init__(self, app: AsyncApp, *, ready: Callable[[], bool], signing_secret: str,
                 now: Callable[[], float] = time.time, ops: OpsApp | None = None) -> None:
        self._app = app
        self._ops = ops
        """When the runtime has one: ``/metrics``, ``/healthz``, ``/readyz`` are its answers."""
        self._ready = ready
        self._secret = signing_secret
        self._now = now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; websockets are not served
        method, path = scope["method"], scope["path"]
        if self._ops is not None and self._ops.serves(method, path):
            await self._ops.handle(path, send)
        elif method in {"GET", "HEAD"} and path == "/healthz":
            await _plain(send, 200, "ok")
        elif method in {"GET", "HEAD"} and path == "/readyz":
            ready = self._ready()
            await _plain(send, 200 if ready else 503, "ready" if ready else "starting")
        elif method == "POST" and path == EVENTS_PATH:
            await self._events(scope, receive, send)
        elif method in {"GET", "HEAD"} and path in {INSTALL_PATH, REDIRECT_PATH} and self._app.oauth_flow is not None:
            await self._oauth(scope, send, install=path == INSTALL_PATH)
        else:
            await _plain(send, 404, "not found")

    async def _events(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        try:
            body = await _body(receive, declared=headers.get("content-length"))
        except _TooLarge:
            await _plain(send, 413, "too large")
            return
        if not door.verify(headers, body, secret=self._secret, now=self._now):
            await _plain(send, door.UNAUTHORIZED.status, door.UNAUTHORIZED.text)
            return
        verdict = door.admit(headers.get("content-type", ""), body)
        if isinstance(verdict, door.Answer):
            await _plain(send, verdict.status, verdict.text)
            return
        request = AsyncBoltRequest(
            body=verdict.body,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={**headers, "content-type": verdict.content_type},
        )
        try:
            response = await self._app.async_dispatch(request)
        except Exception:
            error_id = new_error_id()
            log.exception("error %s in bolt for an admitted Slack request", error_id)
            await _plain(send, 500, f"error {error_id}")
            return
        if response.status == 404:
            await _plain(send, 200, "")  # nothing listens for it: acknowledged, so Slack does not retry
            return
        await _respond(send, response.status, response.headers, response.body.encode())


    async def _oauth(self, scope: Scope, send: Send, *, install: bool) -> None:
        """The install page and Slack's redirect back (many workspaces): bolt's OAuth flow, whose
        ``state`` is single-use, expires, and must come back to the browser that started it."""
        flow = self._app.oauth_flow
        if flow is None:  # checked by the caller
            await _plain(send, 404, "not found")
            return
        headers = _headers(scope)
        query = scope.get("query_string", b"").decode("latin-1")
        if len(query) > MAX_QUERY_CHARS:
            await _plain(send, 414, "too long")
            return
        request = AsyncBoltRequest(body="", query=query, headers=dict(headers.items()))
        try:
            response = await (flow.handle_installation(request) if install else flow.handle_callback(request))
        except Exception:
            error_id = new_error_id()
            log.exception("error %s in the Slack OAuth flow", error_id)
            await _plain(send, 500, f"The install did not complete (error {error_id}). Try again later.")
            return
        await _respond(send, response.status, response.headers, response.body.encode())


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", ())}


async def _body(receive: Receive, *, declared: str | None) -> bytes:
    """The whole body, refused once over ``MAX_BODY_BYTES`` (declared or as it arrives)."""
    if declared is not None and not (declared.isascii() and declared.isdigit() and len(declared) <= 12
                                     and int(declared) <= MAX_BODY_BYTES):
        raise _TooLarge
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; what arrived is judged as is
        chunks.extend(message.get("body", b""))
        if len(chunks) > MAX_BODY_BYTES:
            raise _TooLarge
        if not message.get("more_body", False):
            break
    return bytes(chunks)


async def _plain(send: Send, status: int, text: str) -> None:
    await _respond(send, status, {"content-type": ["text/plain; charset=utf-8"]}, text.encode())


async def _respond(send: Send, status: int, headers: Mapping[str, Sequence[str]], body: bytes) -> None:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, values in headers.items()
           if name.lower() != "content-length" for value in values]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class HttpServer(AsgiServer):
    """The Slack endpoint's server (uvicorn on a pre-bound socket; see ``bot.observability.server``)."""

    def __init__(self, asgi: SlackHttpApp, *, host: str, port: int) -> None:
        super().__init__(asgi, host=host, port=port, name="slack-http")
        self._shown_host = host

    async def start(self) -> int:
        port = await super().start()
        log.info("Slack HTTP endpoint on %s:%s%s", self._shown_host, port, EVENTS_PATH)
        return port
