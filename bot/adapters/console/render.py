"""Neutral messages as terminal text: buttons become numbered choices (``!1``)."""

from __future__ import annotations

from bot.core.messages import Button, ContextBlock, OutMessage


def _plain(line: str) -> str:
    """Drop the light markdown the core uses (``*bold*``, ``_italic_`` lines) for the terminal."""
    line = line.replace("*", "")
    if len(line) > 1 and line.startswith("_") and line.endswith("_"):
        line = line[1:-1]
    return line


def render(message: OutMessage, *, prefix: str, first_prefix: str = "") -> tuple[str, tuple[Button, ...]]:
    """``prefix`` on every line (a thread's marker); ``first_prefix`` on the first only (``(only you)``).
    Context lines that are not in the text (``Scored by: ...``) are shown too: every card says who scored it."""
    body = message.text.split("\n")
    body += [block.text for block in message.blocks
             if isinstance(block, ContextBlock) and block.text.strip() and block.text not in message.text]
    lines = [prefix + _plain(line) if line else prefix.rstrip() for line in body]
    if first_prefix and lines:
        lines[0] = first_prefix + lines[0].lstrip()
    buttons = message.buttons()
    if buttons:
        choices = "  ".join(f"[!{n}] {b.label}" for n, b in enumerate(buttons, start=1))
        lines.append(prefix + choices)
    return "\n".join(lines), buttons
