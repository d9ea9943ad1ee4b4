"""Slack's App Home: the member's practice (``PracticeService.home``) published with ``views.publish``
when they open the Home tab, and again after each score card of theirs (debounced: several cards in a
moment, say a reveal and a phase score, give one publish, built from the database when it runs)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.installs import WorkspaceClients
from bot.adapters.slack.render import render_blocks
from bot.core.errors import new_error_id
from bot.core.messages import OutMessage
from bot.core.refs import UserRef
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE_SECONDS = 5.0
MAX_HOME_BLOCKS = 100  # Slack's limit for a view


def home_view(message: OutMessage) -> dict[str, Any]:
    return {"type": "home", "blocks": render_blocks(message)[:MAX_HOME_BLOCKS]}


class HomePublisher:
    def __init__(self, service: PracticeService, client: AsyncWebClient, *, team_id: str,
                 debounce_seconds: float = DEFAULT_DEBOUNCE_SECONDS, clients: WorkspaceClients | None = None) -> None:
        """``team_id``: the one workspace (empty with installs in many: ``clients`` gives each its token)."""
        self._service = service
        self._client = client
        self._clients = clients
        self._team_id = team_id
        self._debounce = debounce_seconds
        self._pending: dict[str, tuple[UserRef, asyncio.Task[None]]] = {}
        self._closed = False
        self.published = 0
        """views.publish calls that succeeded (tests and benchmarks read it)."""

    async def publish(self, member: UserRef) -> None:
        """Build the member's home from the database and publish it; failures are logged, not raised
        (nobody waits for it)."""
        try:
            view = home_view(await self._service.home.view(member))
            client = await self._clients.for_team(member.workspace) if self._clients and member.workspace \
                else self._client
            await client.views_publish(user_id=member.user_id, view=view)
            self.published += 1
        except (SlackApiError, SlackRequestError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
            log.warning("Slack would not publish the App Home (%s)", reason)
        except Exception:
            log.exception("error %s publishing the App Home", new_error_id())

    def scored(self, member: UserRef) -> None:
        """A score card of ``member``'s was saved: refresh their home once the moment has passed."""
        elsewhere = bool(self._team_id and member.workspace and member.workspace != self._team_id)
        if self._closed or member.platform != "slack" or elsewhere:
            return
        if member.user_id in self._pending:
            return  # a refresh is already coming, and it reads what is stored then
        self._pending[member.user_id] = (member, asyncio.get_running_loop().create_task(self._later(member)))

    async def _later(self, member: UserRef) -> None:
        try:
            await asyncio.sleep(self._debounce)
        finally:
            self._pending.pop(member.user_id, None)
        await self.publish(member)

    def pending(self) -> set[str]:
        """User ids whose refresh is scheduled."""
        return set(self._pending)

    async def flush(self) -> None:
        """Publish every scheduled refresh now instead of after the debounce (tests, shutdown)."""
        waiting, self._pending = self._pending, {}
        for member, task in waiting.values():
            task.cancel()
            await self.publish(member)

    def close(self) -> None:
        self._closed = True
        for _member, task in self._pending.values():
            task.cancel()
        self._pending.clear()
