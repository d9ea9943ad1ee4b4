"""The door of HTTP mode: what a request must be before bolt sees it.

In this order, on the raw bytes: a size limit (413); a numeric ``X-Slack-Request-Timestamp``
within five minutes and a ``v0`` signature over ``v0:{timestamp}:{body}`` (401 for any failure,
whatever the body); then parsing: a well-signed body that does not parse or lacks a field the bot
reads gets 400 with a short reason; what the bot has no listener for (other event types,
shortcuts, other commands) gets 200 and is dropped, so Slack does not retry it. Only what passes
reaches bolt, as a body re-encoded from what was parsed, so bolt's own parser reads exactly that.

slack-bolt 1.30 parses before it verifies, so malformed bodies from anyone raised inside it:
that is why this runs first and bolt's own verification is off in HTTP mode.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from bot.adapters.slack.payloads import (
    BadPayload,
    BlockActions,
    EventCallback,
    SlashCommand,
    UrlVerification,
    read,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
"""Slack's payloads are a few kilobytes; a bigger body is refused before it is read whole."""
MAX_CLOCK_SKEW_SECONDS = 5 * 60
MAX_JSON_DEPTH = 64
HANDLED_EVENTS = frozenset({"message", "app_home_opened", "app_uninstalled", "tokens_revoked"})
HANDLED_COMMANDS = frozenset({"/practice"})
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Answer:
    """The door's own answer: bolt never sees the request."""

    status: int
    text: str


@dataclass(frozen=True, slots=True)
class Admitted:
    """A request for bolt: ``body`` is re-encoded from what the door parsed, with its content type."""

    body: str
    content_type: str


UNAUTHORIZED = Answer(401, "invalid request signature")
IGNORED = Answer(200, "")


def verify(headers: dict[str, str], body: bytes, *, secret: str, now: Callable[[], float]) -> bool:
    """Slack's v0 signature over the raw bytes, and a timestamp within five minutes of ``now``."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    if not secret or not signature.isascii():
        return False
    basestring = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def admit(content_type: str, body: bytes) -> Admitted | Answer:
    """What a well-signed body is: for bolt, to ignore with 200, or 400 with a short reason."""
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _bad("body is not UTF-8", body)
    try:
        if media == JSON:
            return _json_body(_object(text))
        if media == FORM:
            return _form_body(text)
    except BadPayload as exc:
        return _bad(exc.reason, body)
    return _bad("unsupported content type", body)


def _bad(reason: str, body: bytes) -> Answer:
    log.warning("Slack request refused (400, %d bytes): %s", len(body), reason)
    return Answer(400, reason)


def _object(text: str) -> dict[str, Any]:
    if _nesting(text) > MAX_JSON_DEPTH:
        raise BadPayload("JSON nested too deeply")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # ValueError covers JSONDecodeError and a 5,000-digit number
        raise BadPayload("body is not JSON") from None
    if not isinstance(value, dict):
        raise BadPayload("JSON body is not an object")
    return value


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def _nesting(text: str) -> int:
    """How deep brackets nest outside strings, counted before parsing (``[`` typed in an answer is text)."""
    depth = deepest = 0
    for char in _JSON_STRING.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _form(fields: dict[str, str]) -> str:
    """A command's form body with every byte percent-encoded: bolt's parser looks for ``payload``
    anywhere in the body and for a leading ``{``, so a command whose text said "payload" would
    lose its fields. (An interaction is sent as ``payload=`` and its encoded JSON, which bolt reads.)"""
    return "&".join(f"{_every_byte(key)}={_every_byte(value)}" for key, value in fields.items())


def _every_byte(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode("utf-8", "surrogatepass"))


def _json_body(data: dict[str, Any]) -> Admitted | Answer:
    kind = data.get("type")
    if kind == "url_verification":
        read(UrlVerification, data)
    elif kind == "event_callback":
        envelope = read(EventCallback, data)
        if envelope.event.type not in HANDLED_EVENTS:
            return IGNORED
    elif isinstance(kind, str) and kind:
        return IGNORED  # app_rate_limited and whatever Slack adds later
    else:
        raise BadPayload("type: missing")
    return Admitted(json.dumps(data), JSON)


def _form_body(text: str) -> Admitted | Answer:
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200))
    except ValueError:
        raise BadPayload("form body does not parse") from None
    if "ssl_check" in fields:
        return IGNORED
    if "payload" in fields:
        payload = _object(fields["payload"])
        kind = payload.get("type")
        if kind == "block_actions":
            read(BlockActions, payload)
            return Admitted("payload=" + _every_byte(json.dumps(payload)), FORM)
        if isinstance(kind, str) and kind:
            return IGNORED  # shortcuts, message actions, views: the bot has none
        raise BadPayload("payload.type: missing")
    if "command" in fields:
        command = read(SlashCommand, fields)
        if command.command not in HANDLED_COMMANDS:
            return IGNORED
        return Admitted(_form(fields), FORM)
    raise BadPayload("not a command, event or interaction")
