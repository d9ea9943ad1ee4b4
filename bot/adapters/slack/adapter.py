"""The Slack adapter: a bolt ``AsyncApp`` over Socket Mode or HTTP, and the ``Chat`` it attaches.

Start-up calls ``auth.test`` once (who the bot is, which workspace) and authorizes every
request from that answer, so no request waits for a Web API call before its ack.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Literal

import aiohttp
from pydantic import SecretStr
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped, warning_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.slack.chat import SlackChat
from bot.adapters.slack.home import DEFAULT_DEBOUNCE_SECONDS, HomePublisher
from bot.adapters.slack.http import HttpServer, SlackHttpApp
from bot.adapters.slack.installs import (
    INSTALL_PATH,
    NOT_INSTALLED,
    InstallationAuthorize,
    Installations,
    WorkspaceClients,
    oauth_settings,
)
from bot.adapters.slack.listeners import SlackDeps, register_listeners
from bot.adapters.slack.pacing import (
    DEFAULT_MAX_JITTER,
    DEFAULT_MAX_RETRIES,
    ChannelPacer,
    Now,
    RateLimitGate,
    Sleep,
    retry_handlers,
)
from bot.adapters.slack.users import DEFAULT_TTL_SECONDS, UserDirectory
from bot.config import Settings
from bot.core.service import PracticeService
from bot.observability.server import OpsApp

log = logging.getLogger(__name__)

Mode = Literal["socket", "http"]
DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(ValueError):
    """The settings cannot run Slack; the message says which variable to set."""


@dataclass(frozen=True, slots=True)
class SlackOptions:
    """Knobs tests and benchmarks turn; the defaults are what production uses."""

    pacing_seconds: float = 1.0
    """At most one post per channel per this many seconds (Slack's documented limit)."""
    max_retries: int = DEFAULT_MAX_RETRIES
    """429 retries per call; past them the outbox retries the post later."""
    max_jitter: float = DEFAULT_MAX_JITTER
    sleep: Sleep = asyncio.sleep
    """How pacing and 429 waits sleep (tests record instead of waiting)."""
    monotonic: Now = time.monotonic
    user_cache_seconds: float = DEFAULT_TTL_SECONDS
    http_timeout: int = 30
    connection_limit: int = 100
    home_debounce_seconds: float = DEFAULT_DEBOUNCE_SECONDS
    """An App Home is refreshed this long after the first of a member's new score cards."""


def choose_mode(settings: Settings) -> Mode:
    """HTTP when asked for (``SLACK_MODE=http``); otherwise Socket Mode, which needs an app token.
    Many workspaces (``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``) need HTTP mode and no bot token."""
    if settings.slack_oauth:
        if settings.slack_bot_token is not None:
            raise SlackConfigError("set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
                                   "SLACK_CLIENT_SECRET (installs in many workspaces), not both")
        if settings.slack_mode != "http" or settings.slack_signing_secret is None:
            raise SlackConfigError("installs in many workspaces (SLACK_CLIENT_ID) need SLACK_MODE=http and "
                                   "SLACK_SIGNING_SECRET: Slack sends people back to /slack/oauth_redirect")
        return "http"
    if settings.slack_bot_token is None:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set")
    if settings.slack_mode == "http":
        if settings.slack_signing_secret is None:
            raise SlackConfigError("SLACK_MODE=http needs SLACK_SIGNING_SECRET (Basic Information > App Credentials)")
        return "http"
    if settings.slack_app_token is None:
        raise SlackConfigError(
            "Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write); "
            "or set SLACK_MODE=http and SLACK_SIGNING_SECRET to receive requests over HTTP"
        )
    return "socket"


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def web_client(settings: Settings, options: SlackOptions, *, gate: RateLimitGate,
               session: aiohttp.ClientSession) -> AsyncWebClient:
    """The bot's Web API client: ``SLACK_API_URL`` if set, one shared connection pool, 429s retried."""
    return AsyncWebClient(
        token=_secret(settings.slack_bot_token),
        base_url=settings.slack_api_url or DEFAULT_API_URL,
        session=session,
        timeout=options.http_timeout,
        retry_handlers=retry_handlers(gate, max_retry_count=options.max_retries, max_jitter=options.max_jitter,
                                      sleep=options.sleep),
    )


class StaticAuthorize(AsyncAuthorize):
    """Every request is for the one workspace ``auth.test`` described at start-up."""

    def __init__(self, identity: AuthorizeResult) -> None:
        self.identity = identity

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        me = self.identity
        return AuthorizeResult(
            enterprise_id=me.enterprise_id,
            team_id=me.team_id,
            bot_token=me.bot_token,
            bot_id=me.bot_id,
            bot_user_id=me.bot_user_id,
            bot_scopes=me.bot_scopes,
            user_id=user_id,
        )


def build_app(*, client: AsyncWebClient, identity: AuthorizeResult | None, signing_secret: str, mode: Mode,
              oauth: tuple[AsyncOAuthSettings, Installations] | None = None) -> AsyncApp:
    # bolt copies this client per request and sets the token from ``authorize``; giving it one
    # without a token keeps bolt from warning that the token would be ignored.
    tokenless = AsyncWebClient(token=None, base_url=client.base_url, session=client.session, timeout=client.timeout,
                               retry_handlers=client.retry_handlers)
    # bolt also reads SLACK_BOT_TOKEN from the environment and warns that it goes unused next to
    # ``client``/``authorize``: that is the intent here, so those two warnings are kept quiet.
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    quiet = _DropMessages(warning_client_prioritized_and_token_skipped(), warning_token_skipped())
    bolt_log.addFilter(quiet)
    authorize: AsyncAuthorize
    if oauth is not None:
        authorize = InstallationAuthorize(oauth[1])
    elif identity is not None:
        authorize = StaticAuthorize(identity)
    else:
        raise ValueError("one workspace's identity or the OAuth settings are needed")
    try:
        return AsyncApp(
            name="practice-bot",
            client=tokenless,
            authorize=authorize,  # type: ignore[arg-type]  # bolt takes AsyncAuthorize instances
            oauth_settings=oauth[0] if oauth is not None else None,
            user_facing_authorize_error_message=NOT_INSTALLED if oauth is not None else None,
            signing_secret=signing_secret,
            # Socket Mode requests come over an authenticated WebSocket and carry no signature; in
            # HTTP mode the door (``door.verify``) checks every request before bolt parses it.
            request_verification_enabled=False,
        )
    finally:
        bolt_log.removeFilter(quiet)


class _DropMessages(logging.Filter):
    def __init__(self, *messages: str) -> None:
        super().__init__()
        self.messages = frozenset(messages)

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.messages


class SlackAdapter:
    name = "slack"

    def __init__(self, settings: Settings, service: PracticeService, *, options: SlackOptions | None = None,
                 ops: OpsApp | None = None, engine: AsyncEngine | None = None) -> None:
        self.mode = choose_mode(settings)
        self.engine = engine
        """The bot's database, where installs are kept (many workspaces only)."""
        self.ops = ops
        """The runtime's ``/metrics`` and probes, served on the HTTP port in HTTP mode."""
        self.settings = settings
        self.service = service
        self.options = options or SlackOptions()
        self.gate = RateLimitGate(now=self.options.monotonic, sleep=self.options.sleep)
        self.pacer = ChannelPacer(self.options.pacing_seconds, now=self.options.monotonic, sleep=self.options.sleep)
        self.workers = service.inbox.lanes
        """Where acked items run (the service's inbox lanes, shared with the other adapters)."""
        self.app: AsyncApp | None = None
        self.client: AsyncWebClient | None = None
        self.chat: SlackChat | None = None
        self.users: UserDirectory | None = None
        self.home: HomePublisher | None = None
        self.identity: AuthorizeResult | None = None
        """One workspace: who ``auth.test`` said the bot is (``None`` with installs in many workspaces)."""
        self.installations: Installations | None = None
        self.clients: WorkspaceClients | None = None
        self._session: aiohttp.ClientSession | None = None
        self._http: HttpServer | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._ready = False
        self._stopped = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        settings, options = self.settings, self.options
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=options.connection_limit))
        client = web_client(settings, options, gate=self.gate, session=self._session)
        self.client = client
        oauth: tuple[AsyncOAuthSettings, Installations] | None = None
        if settings.slack_oauth:
            oauth = self._oauth()
            self.installations = oauth[1]
            log.info("Slack: installs in many workspaces (install page %s)", INSTALL_PATH)
        else:
            token = _secret(settings.slack_bot_token)
            try:
                auth = await client.auth_test()
            except Exception:
                await self._session.close()
                raise
            self.identity = AuthorizeResult.from_auth_test_response(auth_test_response=auth, bot_token=token)
            log.info("Slack: signed in as %s in workspace %s (%s mode)", auth.get("user"), auth.get("team"),
                     self.mode)
        clients = WorkspaceClients(client, self.installations)
        self.clients = clients
        self.users = UserDirectory(client, admin_ids=settings.slack_admin_ids, ttl_seconds=options.user_cache_seconds,
                                   now=options.monotonic, clients=clients)
        self.chat = SlackChat(client, pacer=self.pacer, gate=self.gate, clients=clients)
        secret = _secret(settings.slack_signing_secret)
        self.app = build_app(client=client, identity=self.identity, signing_secret=secret, mode=self.mode,
                             oauth=oauth)
        self.home = HomePublisher(self.service, client, team_id=self.identity.team_id or "" if self.identity else "",
                                  debounce_seconds=options.home_debounce_seconds,
                                  clients=clients if self.installations is not None else None)
        self.service.watch_scores(self.home.scored)
        register_listeners(self.app, self.service,
                           SlackDeps(users=self.users, inbox=self.service.inbox, session=self._session,
                                     client=client, home=self.home, clients=clients))
        self.service.attach(self.chat)
        self.service.inbox.start()
        await self.service.inbox.resume()  # what a dead process had taken and not finished
        if self.mode == "http":
            asgi = SlackHttpApp(self.app, ready=self.is_ready, signing_secret=secret, ops=self.ops)
            self._http = HttpServer(asgi, host=settings.host, port=settings.port)
            await self._http.start()
        else:
            self._socket = AsyncSocketModeHandler(self.app, _secret(settings.slack_app_token), web_client=client)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack: Socket Mode connected")
        self._ready = True

    def _oauth(self) -> tuple[AsyncOAuthSettings, Installations]:
        settings = self.settings
        if self.engine is None:
            raise SlackConfigError("installs in many workspaces need the bot's database (no engine was given)")
        return oauth_settings(
            engine=self.engine, client_id=settings.slack_client_id or "",
            client_secret=_secret(settings.slack_client_secret), redirect_uri=settings.slack_redirect_uri,
            installations_changed=self._installed)

    def _installed(self, team_id: str) -> None:
        if self.clients is not None:
            self.clients.forget(team_id)

    def is_ready(self) -> bool:
        return self._ready and not self._stopped.is_set()

    @property
    def port(self) -> int | None:
        """The HTTP port actually bound (``PORT=0`` picks a free one)."""
        return self._http.port if self._http else None

    async def wait(self) -> None:
        if self._http is not None:
            done = asyncio.ensure_future(self._http.wait())
            stopped = asyncio.ensure_future(self._stopped.wait())
            await asyncio.wait([done, stopped], return_when=asyncio.FIRST_COMPLETED)
            for task in (done, stopped):
                task.cancel()
            return
        await self._stopped.wait()

    async def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._ready = False
        if self._http is not None:
            await self._http.stop()  # stop taking requests first...
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        await self.service.inbox.stop()  # ...then finish what was already acked (the rest stays stored)
        if self.home is not None:
            self.home.close()
        if self._session is not None:
            await self._session.close()

    # ------------------------------------------------------------------ tests and benchmarks
    async def settle(self, *, within: float = 10.0) -> None:
        """Wait until acked work and the core's background jobs are done (at most ``within`` s)."""
        async with asyncio.timeout(within):
            while True:
                await self.workers.join()
                await self.service.dispatcher.drain()
                if self.workers.backlog == 0 and not self.service.dispatcher.busy:
                    return
                await asyncio.sleep(0.005)  # a flush started elsewhere is still running
