"""Many workspaces (OAuth v2): each install's bot token, found in the bot's own database.

slack_sdk's ``AsyncSQLAlchemyInstallationStore`` and ``AsyncSQLAlchemyOAuthStateStore`` keep installs
and install-link states in the tables migration 0010 made. ``Installations`` reads a workspace's bot
from there (kept for ``ttl_seconds``), ``WorkspaceClients`` gives every Web API call the client of its
workspace, and ``InstallationAuthorize`` authorizes each request from the same cache, so no request
waits for ``auth.test`` before its ack. With one ``SLACK_BOT_TOKEN`` there are no installations and
every workspace gets the one client.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
"""An install link works for ten minutes, once."""
BOT_SCOPES = ("channels:history", "chat:write", "commands", "files:write",
              "groups:history", "im:history", "im:write", "reactions:write", "users:read")
"""The bot scopes an install asks for: the ones in ``slack/manifest.http.yml`` (a test keeps them equal)."""
NOT_INSTALLED = ("Practice is not installed in this workspace (any more). An admin can install it again "
                 "from the bot's /slack/install page.")
"""What someone in a workspace without an install is told (through the command's response URL)."""
TOKEN_TTL_SECONDS = 300.0
"""How long a workspace's bot token is kept in memory; an uninstall on this process forgets it at once."""


class NotInstalled(RuntimeError):
    """The workspace has no installation (never installed, or uninstalled)."""


@dataclass(frozen=True, slots=True)
class WorkspaceBot:
    team_id: str
    bot_token: str
    bot_id: str
    bot_user_id: str
    scopes: tuple[str, ...]


class Installations:
    def __init__(self, store: AsyncInstallationStore, *, ttl_seconds: float = TOKEN_TTL_SECONDS,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._ttl = ttl_seconds
        self._now = now
        self._cache: dict[str, tuple[float, WorkspaceBot]] = {}

    async def find(self, team_id: str) -> WorkspaceBot | None:
        cached = self._cache.get(team_id)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            self._cache.pop(team_id, None)
            return None
        found = WorkspaceBot(team_id, bot.bot_token, bot.bot_id or "", bot.bot_user_id or "",
                             tuple(bot.bot_scopes or ()))
        self._cache[team_id] = (self._now() + self._ttl, found)
        return found

    def forget(self, team_id: str) -> None:
        self._cache.pop(team_id, None)

    async def remove(self, team_id: str) -> None:
        """Delete the workspace's installs and bots (``app_uninstalled``, ``tokens_revoked``)."""
        await self.store.async_delete_all(enterprise_id=None, team_id=team_id)
        self.forget(team_id)


class WorkspaceClients:
    """The Web API client for a workspace: its install's bot token on the adapter's shared pool."""

    def __init__(self, base: AsyncWebClient, installations: Installations | None = None) -> None:
        self.base = base
        self.installations = installations
        self._clients: dict[str, AsyncWebClient] = {}

    async def for_team(self, team_id: str) -> AsyncWebClient:
        if self.installations is None:
            return self.base
        bot = await self.installations.find(team_id)
        if bot is None:
            raise NotInstalled(f"Slack workspace {team_id!r} has no installation")
        client = self._clients.get(team_id)
        if client is None or client.token != bot.bot_token:
            base = self.base
            client = AsyncWebClient(token=bot.bot_token, base_url=base.base_url, session=base.session,
                                    timeout=base.timeout, retry_handlers=base.retry_handlers)
            self._clients[team_id] = client
        return client

    def forget(self, team_id: str) -> None:
        self._clients.pop(team_id, None)
        if self.installations is not None:
            self.installations.forget(team_id)


class InstallationAuthorize(AsyncAuthorize):
    """Each request as its workspace's install: from the cache, no ``auth.test``."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

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
        bot = await self.installations.find(team_id) if team_id else None
        if bot is None:
            log.warning("Slack request from workspace %r, which has no installation", team_id)
            return None
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot.bot_token,
                               bot_id=bot.bot_id, bot_user_id=bot.bot_user_id, bot_scopes=list(bot.scopes),
                               user_id=user_id)


def _page(status: int, title: str, text: str) -> BoltResponse:
    body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{text}</p></body></html>")
    return BoltResponse(status=status, body=body, headers={"content-type": "text/html; charset=utf-8"})


FAILURES = {
    "invalid_state": "This install link has expired or was already used.",
    "invalid_browser": "This install link was opened in another browser than the one that started it.",
    "missing_code": "Slack sent no authorization code.",
    "invalid_code": "Slack did not accept the authorization code.",
    "access_denied": "The install was cancelled in Slack.",
}


def oauth_settings(*, engine: AsyncEngine, client_id: str, client_secret: str, redirect_uri: str | None,
                   installations_changed: Callable[[str], None]) -> tuple[AsyncOAuthSettings, Installations]:
    """bolt's OAuth settings on the bot's database, with plain pages for success and failure."""
    store = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine, logger=log)

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        team = args.installation.team_id or ""
        installations_changed(team)  # a re-install's new token replaces a cached one here at once
        log.info("Slack: installed in workspace %s", team, extra={"event": "slack.installed", "platform": "slack"})
        name = html.escape(args.installation.team_name or team)
        return _page(200, "Installed", f"Practice bot is installed in {name}. Try <code>/practice help</code>.")

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        reason = FAILURES.get(args.reason, "The install did not complete.")
        log.warning("Slack install refused: %s", args.reason, extra={"event": "slack.install_failed"})
        return _page(args.suggested_status_code if args.suggested_status_code >= 400 else 400,
                     "Install not completed",
                     f"{html.escape(reason)} <a href='{INSTALL_PATH}'>Start again</a>.")

    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        state_store=states,
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=success, failure=failure),
    )
    return settings, Installations(store)
