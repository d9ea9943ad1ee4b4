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
from bot.adapters.slack.listeners._common import SlackDeps, event_item, no_reply, on_event_durably, shown
from bot.core.guard import guarded
from bot.core.inbox import InboundItem, InboxRecord
from bot.core.service import PracticeService

log = logging.getLogger(__name__)


KIND = "slack.workspace_removed"


def _removal(body: dict[str, Any]) -> tuple[str, str] | None:
    """The workspace and why, when the event removes the bot from one (``None``: nothing to do)."""
    event = body.get("event") or {}
    reason = event.get("type") if isinstance(event, dict) else None
    if reason == "tokens_revoked":
        tokens = event.get("tokens") or {}
        if not (isinstance(tokens, dict) and tokens.get("bot")):
            log.info("Slack tokens_revoked for user tokens only: the bot's install stays")
            return None
    elif reason != "app_uninstalled":
        return None
    team = body.get("team_id")
    if not isinstance(team, str) or not team:
        log.warning("Slack %s without a team id ignored (event %s)", reason, shown(body.get("event_id")))
        return None
    return team, str(reason)


def register(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    clients = deps.clients
    if clients is None or clients.installations is None:
        return

    async def apply(record: InboxRecord) -> None:
        found = _removal(record.item.payload)
        if found is not None and clients is not None:
            team, reason = found
            await guarded(no_reply(_retire(service, clients, team, reason)), what=f"slack {reason}")

    deps.inbox.register(KIND, apply)

    def item(body: dict[str, Any]) -> InboundItem | None:
        found = _removal(body)
        return event_item(body, team=found[0], kind=KIND, order=f"workspace:{found[0]}") if found else None

    for event_type in ("app_uninstalled", "tokens_revoked"):  # a removal is never lost to a crash
        on_event_durably(app, deps, event_type, item)


async def _retire(service: PracticeService, clients: WorkspaceClients, team: str, reason: str) -> None:
    if clients.installations is not None:
        await clients.installations.remove(team)
    clients.forget(team)
    await service.retire_workspace("slack", team, reason=f"slack {reason}")
