"""Neutral messages as terminal text: buttons become numbered choices (``!1``)."""

from __future__ import annotations

from bot.core.messages import Button, OutMessage


def _plain(line: str) -> str:
    """Drop the light markdown the core uses (``*bold*``, ``_italic_`` lines) for the terminal."""
    line = line.replace("*", "")
    if len(line) > 1 and line.startswith("_") and line.endswith("_"):
        line = line[1:-1]
    return line


def render(message: OutMessage, *, prefix: str) -> tuple[str, tuple[Button, ...]]:
    lines = [prefix + _plain(line) if line else prefix.rstrip() for line in message.text.split("\n")]
    buttons = message.buttons()
    if buttons:
        choices = "  ".join(f"[!{n}] {b.label}" for n, b in enumerate(buttons, start=1))
        lines.append(prefix + choices)
    return "\n".join(lines), buttons
