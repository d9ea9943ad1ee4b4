"""Who someone is in Slack: display name, timezone, admin rights (``users.info``, cached).

A lookup happens after the ack, never in it. Results are kept for ``ttl_seconds``
(failures for a minute, so an outage does not turn into a call per message), and
concurrent lookups of the same person share one API call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.installs import NotInstalled, WorkspaceClients
from bot.adapters.slack.render import escape
from bot.core.normalise import display_name, known_timezone
from bot.core.refs import UserRef

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 3600.0
FAILURE_TTL_SECONDS = 60.0
MAX_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class SlackUser:
    team_id: str
    user_id: str
    name: str
    timezone: str | None
    is_admin: bool
    """Workspace admin or owner (``is_admin``, ``is_owner`` or ``is_primary_owner``)."""
    is_bot: bool


def parse_user(team_id: str, user: dict[str, Any]) -> SlackUser:
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or str(user.get("id", ""))
    )
    return SlackUser(
        team_id=team_id,
        user_id=str(user.get("id", "")),
        name=escape(display_name(str(name))),
        timezone=known_timezone(user.get("tz")),
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        is_bot=bool(user.get("is_bot")),
    )


class UserDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        admin_ids: Iterable[str] = (),
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        now: Callable[[], float] = time.monotonic,
        clients: WorkspaceClients | None = None,
    ) -> None:
        self._client = client
        self._clients = clients
        """Installs in many workspaces: each lookup with its workspace's token."""
        self.admin_ids = frozenset(admin_ids)
        self._ttl = ttl_seconds
        self._now = now
        self._cache: dict[tuple[str, str], tuple[float, SlackUser | None]] = {}
        self._pending: dict[tuple[str, str], asyncio.Task[SlackUser | None]] = {}
        self.api_calls = 0

    async def lookup(self, team_id: str, user_id: str) -> SlackUser | None:
        """The person, or ``None`` when Slack would not say (logged; callers degrade)."""
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        task = self._pending.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(team_id, user_id))
            self._pending[key] = task
            task.add_done_callback(lambda _t: self._pending.pop(key, None))
        return await asyncio.shield(task)

    async def _fetch(self, team_id: str, user_id: str) -> SlackUser | None:
        self.api_calls += 1
        user: SlackUser | None
        try:
            client = await self._clients.for_team(team_id) if self._clients is not None else self._client
            response = await client.users_info(user=user_id)
            data = response.get("user")
            user = parse_user(team_id, data) if isinstance(data, dict) else None
            ttl = self._ttl if user is not None else FAILURE_TTL_SECONDS
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error", exc))
            user, ttl = None, FAILURE_TTL_SECONDS
        except NotInstalled as exc:
            log.warning("users.info not asked for %s: %s", user_id, exc)
            user, ttl = None, FAILURE_TTL_SECONDS
        if len(self._cache) >= MAX_ENTRIES:
            self._evict()
        self._cache[(team_id, user_id)] = (self._now() + ttl, user)
        return user

    def _evict(self) -> None:
        now = self._now()
        expired = [key for key, (until, _) in self._cache.items() if until <= now]
        for key in expired or list(self._cache)[: MAX_ENTRIES // 10]:
            del self._cache[key]

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop a cached entry (``user_change`` events, tests)."""
        self._cache.pop((team_id, user_id), None)

    async def user_ref(
        self, team_id: str, user_id: str, *, fallback_name: str = ""
    ) -> tuple[UserRef, SlackUser | None]:
        user = await self.lookup(team_id, user_id)
        name = user.name if user is not None else escape(display_name(fallback_name))
        return UserRef("slack", user_id, team_id, name), user

    def can_manage(self, user_id: str, user: SlackUser | None) -> bool:
        """Workspace admins and owners, or anyone on ``SLACK_ADMIN_IDS``."""
        return user_id in self.admin_ids or (user is not None and user.is_admin)
