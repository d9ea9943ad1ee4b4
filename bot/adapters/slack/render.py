"""Neutral messages as Slack text and Block Kit, plus the few Slack-only strings.

Everything a person reads comes from ``bot.core.texts``; this module only changes the
form (Block Kit JSON within Slack's size limits) and holds the platform chrome that
exists only on Slack (for example "invite me to this channel"). Rendering never raises:
what does not fit degrades to shorter text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.messages import (
    ButtonsBlock,
    ContextBlock,
    DividerBlock,
    FieldsBlock,
    OutMessage,
    SectionBlock,
    split_text,
)

# Block Kit limits (https://api.slack.com/reference/block-kit/blocks)
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_TEXT = 3000
MAX_BUTTONS = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_MESSAGE_TEXT = 40_000
"""Slack truncates ``text`` beyond this; the core splits long messages well before."""

EMOJI = {"white_check_mark": "white_check_mark"}
"""Neutral reaction names -> Slack emoji names (the same today; the map keeps it explicit)."""

NOT_IN_CHANNEL = (
    "I'm not in this channel yet, so I can't post or read answers here. "
    "Invite me with `/invite @Practice` and try again."
)
"""Slack-only chrome: shown when Slack refuses a post because the bot is not a member."""

_BROADCAST = re.compile(r"<!(?!date\^)")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What goes into ``chat.postMessage`` / ``chat.update`` / ``respond``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def neutralise(text: str) -> str:
    """Make ``<!channel>``, ``<!here>``, ``<!everyone>`` and group mentions print literally.

    The bot's texts can quote what people typed; nobody should be able to page a whole
    channel through the bot.
    """
    return _BROADCAST.sub("&lt;!", text)


def escape(text: str) -> str:
    """Slack's escaping for text that is not markup (display names and the like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def emoji_name(neutral: str) -> str:
    return EMOJI.get(neutral, neutral)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _sections(text: str) -> list[dict[str, Any]]:
    text = neutralise(text)
    if not text.strip():
        return []
    return [{"type": "section", "text": _mrkdwn(part)} for part in split_text(text, MAX_SECTION_TEXT) if part]


def _fields(fields: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    rendered = [
        _mrkdwn(_clip(neutralise(f"*{label}*\n{value}" if label else value), MAX_FIELD_TEXT))
        for label, value in fields
    ]
    return [
        {"type": "section", "fields": rendered[start : start + MAX_FIELDS]}
        for start in range(0, len(rendered), MAX_FIELDS)
    ]


def _buttons(block: ButtonsBlock) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    for button in block.buttons[:MAX_BUTTONS]:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": button.action,
            "text": {"type": "plain_text", "text": _clip(button.label, MAX_BUTTON_LABEL), "emoji": True},
            "value": button.value[:MAX_BUTTON_VALUE],
        }
        if button.style != "default":
            element["style"] = button.style
        elements.append(element)
    return [{"type": "actions", "elements": elements}] if elements else []


def render_blocks(message: OutMessage) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, SectionBlock):
            blocks.extend(_sections(block.text))
        elif isinstance(block, FieldsBlock):
            blocks.extend(_fields(block.fields))
        elif isinstance(block, ButtonsBlock):
            blocks.extend(_buttons(block))
        elif isinstance(block, DividerBlock):
            blocks.append({"type": "divider"})
        elif isinstance(block, ContextBlock) and block.text.strip():
            blocks.append({"type": "context", "elements": [_mrkdwn(_clip(neutralise(block.text), MAX_CONTEXT_TEXT))]})
    if len(blocks) > MAX_BLOCKS:
        # Keep the head and any trailing buttons: the actions matter more than the middle.
        tail = [b for b in blocks[-2:] if b["type"] in {"actions", "context"}]
        blocks = blocks[: MAX_BLOCKS - len(tail)] + tail
    return blocks


def render(message: OutMessage) -> SlackMessage:
    """``text`` is always set (notifications, screen readers, clients without blocks)."""
    text = _clip(neutralise(message.text), MAX_MESSAGE_TEXT) or " "
    return SlackMessage(text=text, blocks=render_blocks(message))


def response_payload(message: OutMessage) -> dict[str, Any]:
    """Keyword arguments for bolt's ``respond()`` (a slash command's or a click's ``response_url``)."""
    rendered = render(message)
    payload: dict[str, Any] = {
        "text": rendered.text,
        "response_type": "ephemeral" if message.ephemeral else "in_channel",
        "replace_original": False,
    }
    if rendered.blocks:
        payload["blocks"] = rendered.blocks
    return payload


def files_sent() -> OutMessage:
    """Said (to the asker only) when a personal picture went to their direct messages with the bot."""
    text = "I sent it to our direct messages (look under *Apps*, or in your DMs with the bot)."
    return OutMessage(text=text, ephemeral=True)


def not_in_channel() -> str:
    return NOT_IN_CHANNEL
