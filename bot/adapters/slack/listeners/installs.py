"""Many workspaces: a workspace that uninstalls the app or revokes its bot token is removed.

Its installs go (so no call is made with a dead token), its channel schedules are turned off, its
running interviews end and its pending posts are marked dead; members, answers and streaks stay
until someone asks to forget them. Registered only when installs are on (``SLACK_CLIENT_ID``).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.installs import WorkspaceClients
from bot.adapters.slack.listeners._common import SlackDeps, no_reply, shown
from bot.core.guard import guarded
from bot.core.service import PracticeService

log = logging.getLogger(__name__)


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    clients = deps.clients
    if clients is None or clients.installations is None:
        return

    def remove(body: dict[str, Any], reason: str) -> None:
        team = body.get("team_id")
        if not isinstance(team, str) or not team:
            log.warning("Slack %s without a team id ignored (event %s)", reason, shown(body.get("event_id")))
            return

        async def run() -> None:
            await guarded(no_reply(_retire(service, clients, team, reason)), what=f"slack {reason}")

        deps.workers.submit(f"workspace:{team}", run, what=reason)

    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any]) -> None:
        remove(body, "app_uninstalled")

    @app.event("tokens_revoked")
    async def revoked(body: dict[str, Any]) -> None:
        tokens = (body.get("event") or {}).get("tokens") or {}
        if isinstance(tokens, dict) and tokens.get("bot"):
            remove(body, "tokens_revoked")
        else:
            log.info("Slack tokens_revoked for user tokens only: the bot's install stays")


async def _retire(service: PracticeService, clients: WorkspaceClients, team: str, reason: str) -> None:
    if clients.installations is not None:
        await clients.installations.remove(team)
    clients.forget(team)
    await service.retire_workspace("slack", team, reason=f"slack {reason}")
