"""HTTP mode: bolt behind an ASGI app served by uvicorn.

``/slack/events`` takes slash commands, events and interactivity (one Request URL for
all three, as the manifest sets it); ``/healthz`` says the process serves requests;
``/readyz`` says the adapter is connected to Slack and the service is attached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000
"""Slack's payloads are a few kilobytes; a bigger body is refused before bolt reads it all."""
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SlackHttpApp:
    """The ASGI application: health endpoints, everything else to bolt."""

    def __init__(self, app: AsyncApp, *, ready: Callable[[], bool]) -> None:
        self._bolt = AsyncSlackRequestHandler(app, path=EVENTS_PATH)
        self._ready = ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in {"GET", "HEAD"}:
            if scope["path"] == "/healthz":
                await _plain(send, 200, "ok")
                return
            if scope["path"] == "/readyz":
                ready = self._ready()
                await _plain(send, 200 if ready else 503, "ready" if ready else "starting")
                return
        if scope["type"] == "http" and _declared_length(scope) > MAX_BODY_BYTES:
            await _plain(send, 413, "too large")
            return
        await self._bolt(scope, _limited(receive), send)  # type: ignore[arg-type]  # bolt's scope type is narrower


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return MAX_BODY_BYTES + 1
    return 0


def _limited(receive: Receive) -> Receive:
    """A ``receive`` that stops a chunked body at ``MAX_BODY_BYTES`` (no Content-Length to check)."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise ValueError("request body over the limit")
        return message

    return wrapped


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the runtime owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """uvicorn on an already bound socket, so port 0 works and the port is known at once."""

    def __init__(self, asgi: SlackHttpApp, *, host: str, port: int) -> None:
        self._asgi = asgi
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> int:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.listen(2048)
        sock.setblocking(False)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self._asgi,
            lifespan="off",
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=5,
            backlog=2048,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="slack-http")
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.01)
        log.info("Slack HTTP endpoint on %s:%s%s", self._host, self.port, EVENTS_PATH)
        return self.port

    async def wait(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._server = None
        self._task = None
