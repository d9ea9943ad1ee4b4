"""Neutral messages as terminal text: buttons become numbered choices (``!1``)."""

from __future__ import annotations

from bot.core.messages import Button, OutMessage


def render(message: OutMessage, *, prefix: str) -> tuple[str, tuple[Button, ...]]:
    lines = [prefix + line if line else prefix.rstrip() for line in message.text.replace("*", "").split("\n")]
    buttons = message.buttons()
    if buttons:
        choices = "  ".join(f"[!{n}] {b.label}" for n, b in enumerate(buttons, start=1))
        lines.append(prefix + choices)
    return "\n".join(lines), buttons
