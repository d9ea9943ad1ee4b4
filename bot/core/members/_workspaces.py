"""A workspace that removed the bot (Slack ``app_uninstalled`` / ``tokens_revoked``): nothing more is
posted there, and what its people practised is kept until someone asks to forget it."""

from __future__ import annotations

import logging

from bot.core.members.store import RetireReport, WorkspaceStore
from bot.core.refs import Platform

log = logging.getLogger(__name__)


class Workspaces:
    def __init__(self, *, store: WorkspaceStore) -> None:
        self._store = store

    async def retire(self, platform: Platform, workspace: str, *, reason: str) -> RetireReport:
        """Schedules off, running interviews ended, pending posts marked dead: one transaction."""
        report = await self._store.retire_workspace(platform, workspace, reason=reason)
        log.info(
            "workspace %s on %s removed (%s): %d schedules off, %d interviews ended, %d pending posts dropped",
            workspace, platform, reason, report.channels, report.interviews, report.outbox,
            extra={"event": "workspace.retired", "platform": platform},
        )
        return report
