"""Everything the bot has no listener for, acknowledged and dropped (registered last).

bolt answers an unmatched request with 404 and, in Socket Mode, sends no ack at all, so Slack
retries it. The HTTP door already answers these with 200 before bolt; these catch-alls give
Socket Mode the same: other event types, shortcuts, views and other commands are acked.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.core.service import PracticeService

log = logging.getLogger(__name__)

ANYTHING = re.compile(r".*", re.S)


def register(app: AsyncApp, _service: PracticeService, _deps: object) -> None:
    async def acked(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        log.debug("Slack %s acked and dropped: no listener", str(body.get("type") or "command")[:40])

    async def dropped(body: dict[str, Any]) -> None:  # events are acked by bolt before listeners run
        log.debug("Slack event %r dropped: no listener", str((body.get("event") or {}).get("type"))[:40])

    app.event(ANYTHING)(dropped)
    app.shortcut(ANYTHING)(acked)
    app.view(ANYTHING)(acked)
    app.command(ANYTHING)(acked)
    app.options(ANYTHING)(acked)
