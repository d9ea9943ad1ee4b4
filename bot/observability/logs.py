"""Logs an operator can use: plain lines or one JSON object per line, never a secret or a body.

Every handler gets a formatter that redacts before the line leaves the process:

* the values of every secret setting (tokens, signing and client secrets, API keys);
* anything shaped like a Slack token (``xoxb-``, ``xoxp-``, ``xapp-``...) or an ``Authorization`` value;
* request bodies slack_bolt and slack_sdk put in their messages (bolt logs the whole body of a badly
  signed request at INFO; slack_sdk's debug log has each call's body and headers): the part from
  ``body`` on is replaced with ``[body not logged]``.

``LOG_FORMAT=json`` fields: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``error_id`` (an
``E-XXXXXXXX`` the message names, the one a person was shown), ``platform`` (given as ``extra`` or known
from the logger: slack, discord, console), ``event_key`` (given as ``extra``, or an event key the message
names), and ``exception`` with the traceback when there is one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

TOKEN = re.compile(r"\b(?:xox[a-z]|xapp|xoxe(?:\.xox[a-z])?)-[0-9A-Za-z-]{6,}|(?i:bearer)\s+[^\s'\",}]+")
ERROR_ID = re.compile(r"\bE-[0-9A-F]{8}\b")
EVENT_KEY = re.compile(r"\b(?:slack|discord|console):[^\s,;)]+")
BODY = re.compile(r"(?i)(\bbody(?:_params)?\b\s*[:=]?\s*|\brequest \()[\s\S]*")
BODY_LOGGERS = ("slack_bolt", "slack_sdk")
REDACTED = "[redacted]"
PLATFORM_LOGGERS = {"bot.adapters.slack": "slack", "slack_bolt": "slack", "slack_sdk": "slack",
                    "bot.adapters.discord": "discord", "discord": "discord", "bot.adapters.console": "console"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN.sub(REDACTED, text)

    def message(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name.startswith(BODY_LOGGERS):
            message = BODY.sub(lambda found: found.group(1) + "[body not logged]", message)
        return self(message)


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line = self.formatMessage(_with_message(record, self._redact.message(record), self))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return self._redact(line) if record.exc_info or record.stack_info else line


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        message = self._redact.message(record)
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        error_id = getattr(record, "error_id", None) or _first(ERROR_ID, message)
        if error_id:
            entry["error_id"] = error_id
        platform = getattr(record, "platform", None) or _platform_of(record.name)
        if platform:
            entry["platform"] = platform
        event_key = getattr(record, "event_key", None) or _first(EVENT_KEY, message)
        if event_key:
            entry["event_key"] = self._redact(str(event_key))
        if record.exc_info:
            entry["exception"] = self._redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None


def _platform_of(name: str) -> str | None:
    for prefix, platform in PLATFORM_LOGGERS.items():
        if name == prefix or name.startswith(prefix + "."):
            return platform
    return None


def _with_message(record: logging.LogRecord, message: str, formatter: logging.Formatter) -> logging.LogRecord:
    copy = logging.makeLogRecord(record.__dict__)
    copy.message = message
    if formatter.usesTime():
        copy.asctime = formatter.formatTime(copy)
    return copy


def formatter(log_format: str, *, secrets: Iterable[str] = ()) -> logging.Formatter:
    redact = Redactor(secrets)
    return JsonFormatter(redact) if log_format == "json" else TextFormatter(redact)


def install(level: str, *, log_format: str = "text", secrets: Iterable[str] = (), stream: TextIO | None = None) -> None:
    """One handler on the root logger with the chosen formatter (replacing what was there)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format, secrets=secrets))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
