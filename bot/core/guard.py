"""The one error boundary every adapter uses around a core call."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from bot.core import texts
from bot.core.errors import UserError, new_error_id
from bot.core.messages import Reply

log = logging.getLogger(__name__)


async def guarded(call: Awaitable[Reply], *, what: str) -> Reply:
    """Run a core call: a ``UserError`` becomes its message; anything else an apology
    with an error id that is also in the log. Never a traceback to a person."""
    try:
        return await call
    except UserError as exc:
        return Reply.one(texts.error_message(exc.message))
    except Exception:
        error_id = new_error_id()
        log.exception("error %s while handling %s", error_id, what)
        return Reply.one(texts.apology(error_id))
