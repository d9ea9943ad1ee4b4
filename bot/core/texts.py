"""What every capability's texts share: one way to build a titled message, errors, the apology.

Each capability keeps the words it says in its own ``_texts`` module, built as neutral
``OutMessage``s with ``message``. Adapters render these to Block Kit, embeds or console text;
they add no wording of their own beyond platform chrome.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages import OutMessage, SectionBlock


def message(title: str, lines: Sequence[str], *, ephemeral: bool = False, extra: Sequence[object] = ()) -> OutMessage:
    """A message with an optional bold title, its lines as one section, then ``extra`` blocks."""
    body = "\n".join(lines)
    text = f"*{title}*\n{body}" if title else body
    blocks: list[object] = [SectionBlock(text)]
    blocks.extend(extra)
    return OutMessage(text=text, blocks=tuple(blocks), title=title, ephemeral=ephemeral)  # type: ignore[arg-type]


def error_message(text: str) -> OutMessage:
    return OutMessage(text=text, blocks=(SectionBlock(text),), ephemeral=True)


def apology(error_id: str) -> OutMessage:
    return error_message(
        f"Sorry, something went wrong on my side. Nothing you did was lost. (error id {error_id})"
    )


def answer_cut(limit: int) -> OutMessage:
    """Said in the thread when an answer was longer than what is kept of it."""
    return error_message(
        f"Your answer was longer than {limit:,} characters: I kept the first {limit:,} of it. "
        "Post the rest as another reply if it matters."
    )
