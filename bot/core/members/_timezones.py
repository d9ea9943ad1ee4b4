"""A member's own timezone: ``/practice timezone <IANA zone>`` (with a did-you-mean), shown, or cleared."""

from __future__ import annotations

import difflib
import functools
import logging
import zoneinfo

from bot.core.errors import UserError
from bot.core.members import _texts as texts
from bot.core.members._members import Members
from bot.core.members.store import TimezoneStore
from bot.core.messages import CommandContext, Reply

log = logging.getLogger(__name__)

CLEAR_WORDS = frozenset({"clear", "reset", "off", "platform", "default"})


@functools.cache
def known_zones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (``zoneinfo``; tzdata is a dependency), sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def resolve_zone(text: str) -> str:
    """The IANA name meant by ``text`` (any case, spaces for underscores), or an error that suggests the
    closest names."""
    wanted = text.strip().replace(" ", "_")
    by_lower = {zone.lower(): zone for zone in known_zones()}
    found = by_lower.get(wanted.lower())
    if found is not None:
        return found
    lowered = wanted.lower()
    close = difflib.get_close_matches(lowered, list(by_lower), n=3, cutoff=0.6)
    close += [name for name in by_lower if name.endswith("/" + lowered) and name not in close]
    shown = wanted[:40].replace("`", "'")
    if close:
        suggestions = ", ".join(f"`{by_lower[name]}`" for name in close[:3])
        raise UserError(f"Unknown timezone `{shown}`. Did you mean {suggestions}?")
    raise UserError(f"Unknown timezone `{shown}`. Use an IANA name such as `Europe/Berlin` or `America/New_York`.")


class Timezones:
    def __init__(self, *, store: TimezoneStore, members: Members) -> None:
        self._store = store
        self._members = members

    async def handle(self, ctx: CommandContext, zone: str | None) -> Reply:
        """Set, clear (``clear``) or show (no zone) the asker's own timezone."""
        if zone is None:
            member = await self._members.find(ctx.user)
            chosen = member.chosen_timezone if member else None
            counted = await self._members.member_timezone(
                member.timezone if member else ctx.user_timezone, ctx.channel)
            return Reply.one(texts.timezone_shown(chosen, counted))
        if zone.lower() in CLEAR_WORDS:
            await self._store.choose_timezone(ctx.user, timezone=None)
            counted = await self._members.member_timezone(ctx.user_timezone, ctx.channel)
            return Reply.one(texts.timezone_cleared(counted))
        name = resolve_zone(zone)
        await self._store.choose_timezone(ctx.user, timezone=name)
        return Reply.one(texts.timezone_set(name))
