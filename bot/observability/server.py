"""``/metrics``, ``/healthz`` and ``/readyz`` over HTTP: the ASGI app and the server that runs it.

Slack HTTP mode serves this app's paths on its own port (``SlackHttpApp`` hands them over); in every
other mode ``METRICS_PORT`` starts ``AsgiServer`` with it. Answers are short plain text: 200 with
``ok``/``ready``, 503 with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import uvicorn

from bot.core.errors import new_error_id
from bot.observability.health import Health
from bot.observability.metrics import CONTENT_TYPE, PrometheusMetrics
from bot.observability.ports import OperationsStore

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]
PATHS = frozenset({"/metrics", "/healthz", "/readyz"})


class OpsApp:
    def __init__(self, *, health: Health, metrics: PrometheusMetrics, store: OperationsStore) -> None:
        self.health = health
        self.metrics = metrics
        self._store = store

    def serves(self, method: str, path: str) -> bool:
        return method in {"GET", "HEAD"} and path in PATHS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if not self.serves(scope["method"], scope["path"]):
            await respond(send, 404, "not found")
            return
        await self.handle(scope["path"], send)

    async def handle(self, path: str, send: Send) -> None:
        try:
            if path == "/healthz":
                verdict = self.health.alive()
                await respond(send, 200 if verdict.ok else 503, "ok" if verdict.ok else verdict.reason)
            elif path == "/readyz":
                verdict = await self.health.ready()
                await respond(send, 200 if verdict.ok else 503, verdict.reason)
            else:
                try:
                    await self.metrics.refresh(self._store)
                except Exception:
                    # The in-process series are still worth a scrape while the database is away.
                    log.warning("could not read the database gauges for /metrics", exc_info=True)
                await respond(send, 200, self.metrics.render(), content_type=CONTENT_TYPE)
        except Exception:
            error_id = new_error_id()
            log.exception("error %s serving %s", error_id, path)
            await respond(send, 500, f"error {error_id}")


async def respond(send: Send, status: int, body: str | bytes, *,
                  content_type: str = "text/plain; charset=utf-8") -> None:
    data = body.encode() if isinstance(body, str) else body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode("latin-1")),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the runtime owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class AsgiServer:
    """uvicorn on an already bound socket, so port 0 works and the port is known at once."""

    def __init__(self, asgi: Asgi, *, host: str, port: int, name: str = "http") -> None:
        self._asgi = asgi
        self._host = host
        self._port = port
        self._name = name
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> int:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: a response whose body follows its headers in a second
        # write (every non-empty answer) otherwise waits ~40 ms for the client's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self._host, self._port))
        sock.listen(2048)
        sock.setblocking(False)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(self._asgi, lifespan="off", access_log=False, log_config=None,
                                timeout_graceful_shutdown=5, backlog=2048)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name=self._name)
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.01)
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
