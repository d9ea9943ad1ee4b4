"""Neutral messages as Discord messages (content + embed + view), and every Discord-only text.

Pure functions: nothing here talks to Discord. Rendering degrades and never raises: what an embed
cannot hold is cut at Discord's limits, long text is split into ordered parts, and a button that
cannot be encoded is left out.

Choice of form: a message with a title, fields or a context line (prompts, phases, scorecards,
leaderboards, score notes) becomes an embed, its sections separated by blank lines; a plain message
(nudges, hints without a title, errors) stays content, which reads better in a thread and notifies
with its text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.adapters.discord.views import build_view
from bot.core.messages import (
    Attachment,
    ContextBlock,
    FieldsBlock,
    OutMessage,
    SectionBlock,
    split_text,
)

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
MAX_FIELDS = 25
THREAD_NAME_LIMIT = 100
COLOUR = discord.Colour.blurple()
_NOTE_ROOM = 40  # kept free in an embed for "(+N more not shown)"
EMPTY = "\u200b"  # Discord refuses empty content and empty field values

EMOJI = {"white_check_mark": "✅", "eyes": "👀", "tada": "🎉", "fire": "🔥", "x": "❌", "warning": "⚠️"}


@dataclass
class Rendered:
    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: tuple[Attachment, ...] = ()
    """Attachments (charts), sent with this part; each send makes fresh ``discord.File``s (a file is
    read once)."""

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send``/``send_message``/``followup.send`` (no empty content)."""
        kwargs: dict[str, Any] = {"embeds": self.embeds}
        if self.content:
            kwargs["content"] = self.content
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = [discord_file(a) for a in self.files]
        return kwargs


ALT_TEXT_LIMIT = 1024  # Discord's limit for an attachment's description (its alt text)


def discord_file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename,
                        description=cut(attachment.alt, ALT_TEXT_LIMIT) or None)


# ------------------------------------------------------------------ markdown
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
_BOLD = re.compile(r"(?<![*\w\\])\*(?=\S)([^*\n]*?\S)\*(?![*\w])")
_STRIKE = re.compile(r"(?<![~\w])~(?=\S)([^~\n]*?\S)~(?![~\w])")
_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>\n]+)>")


def to_markdown(text: str) -> str:
    """The core's light markup (``*bold*``, ``_italic_``, ``~strike~``, `code`, ``<url|label>``)
    in Discord's dialect (``**bold**``, ``_italic_``, ``~~strike~~``, `code`, ``[label](url)``).
    Code spans are left alone."""
    parts = _CODE.split(text)
    for index in range(0, len(parts), 2):
        part = _BOLD.sub(r"**\1**", parts[index])
        part = _STRIKE.sub(r"~~\1~~", part)
        parts[index] = _LINK.sub(r"[\2](\1)", part)
    return "".join(parts)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def discord_emoji(name: str) -> str | None:
    """A neutral reaction name as a Discord emoji; ``None`` when unknown (the reaction is skipped)."""
    if name in EMOJI:
        return EMOJI[name]
    return name if name and not name.isascii() else None


def thread_name(title: str) -> str:
    return cut(" ".join(title.split()), THREAD_NAME_LIMIT) or "Practice"


# ------------------------------------------------------------------ messages
def _wants_embed(message: OutMessage) -> bool:
    return bool(message.title) or any(isinstance(b, FieldsBlock | ContextBlock) for b in message.blocks)


def _description(message: OutMessage) -> str:
    heading = f"*{message.title}*" if message.title else None
    sections: list[str] = []
    for block in message.blocks:
        if isinstance(block, SectionBlock):
            text = block.text
            if heading is not None and not sections:
                first, _, rest = text.partition("\n")
                if first.strip() == heading:
                    text = rest
            if text.strip():
                sections.append(text.strip("\n"))
    if not any(isinstance(b, SectionBlock) for b in message.blocks):
        text = message.text
        if heading is not None and text.startswith(heading):
            text = text[len(heading):]
        sections.append(text.strip("\n"))
    return to_markdown("\n\n".join(sections).strip())


def _embed_parts(message: OutMessage) -> list[Rendered]:
    description = _description(message)
    chunks = split_text(description, DESCRIPTION_LIMIT - 96) if description else [""]
    parts: list[Rendered] = []
    for number, chunk in enumerate(chunks):
        title = cut(message.title, TITLE_LIMIT) if number == 0 and message.title else None
        parts.append(Rendered(embeds=[discord.Embed(title=title, description=chunk or None, colour=COLOUR)]))
    last = parts[-1].embeds[-1]
    footer = " · ".join(b.text for b in message.blocks if isinstance(b, ContextBlock) and b.text.strip())
    if footer:
        last.set_footer(text=cut(to_markdown(footer).replace("*", ""), FOOTER_LIMIT))
    fields = [pair for block in message.blocks if isinstance(block, FieldsBlock) for pair in block.fields]
    left_out = 0
    for name, value in fields:
        name_shown = cut(to_markdown(name), FIELD_NAME_LIMIT) or EMPTY
        value_shown = cut(to_markdown(value), FIELD_VALUE_LIMIT) or EMPTY
        room = EMBED_TOTAL_LIMIT - _NOTE_ROOM - len(last)
        if len(last.fields) >= MAX_FIELDS or len(name_shown) + len(value_shown) > room:
            left_out += 1
            continue
        last.add_field(name=name_shown, value=value_shown, inline=True)
    if left_out:
        note = f"(+{left_out} more not shown)"
        shown = last.footer.text
        last.set_footer(text=f"{cut(shown, FOOTER_LIMIT - len(note) - 1)} {note}" if shown else note)
    return parts


def render(message: OutMessage) -> list[Rendered]:
    """One or more Discord messages, in order; the buttons and the files go on the last one."""
    if _wants_embed(message):
        parts = _embed_parts(message)
    else:
        text = to_markdown(message.text).strip() or EMPTY
        parts = [Rendered(content=chunk) for chunk in split_text(text, CONTENT_LIMIT)]
    parts[-1].view = build_view(message.buttons())
    parts[-1].files = message.files
    return parts


def render_one(message: OutMessage) -> Rendered:
    """A single message (edits cannot split): the first part, its view from the whole message.
    Edits carry no new files: a message with files is rendered without them (their fallbacks)."""
    parts = render(message.text_only())
    first = parts[0]
    first.view = parts[-1].view
    if len(parts) > 1 and first.content:
        first.content = cut(first.content, CONTENT_LIMIT)
    return first


# ------------------------------------------------------------------ Discord-only texts
def interview_ready(thread_id: int | None) -> OutMessage:
    where = f"<#{thread_id}>" if thread_id else "its thread"
    return _note(f"Your mock interview is ready in {where}. Answer there; say `next` when you are done with a "
                 "section, `hint` for a nudge, `end` to stop.")


def drill_ready(thread_id: int | None) -> OutMessage:
    where = f"<#{thread_id}>" if thread_id else "its private thread"
    return _note(f"Your drill is ready in {where}, only you and the bot see it: answer there, and each answer "
                 "is scored at once.")


def prompt_posted(thread_id: int | None) -> OutMessage:
    where = f"<#{thread_id}>" if thread_id else "this channel"
    return _note(f"Today's prompt is up: answer in {where}.")


def done() -> OutMessage:
    return _note("Done.")


def posted_below() -> OutMessage:
    return _note("Done: posted in the channel.")


def not_manager() -> OutMessage:
    return _note(
        "Changing the daily prompt schedule needs the **Manage Channels** (or **Manage Server**) permission "
        "in this channel. Ask someone who has it, or see the schedule with `/practice schedule`."
    )


def not_taken() -> OutMessage:
    return _note("Sorry, I couldn't take that just now (the bot's database did not answer). "
                 "Please try again in a moment.")


def guild_only() -> OutMessage:
    return _note("Practice works in server channels, not in direct messages.")


def _note(text: str) -> OutMessage:
    return OutMessage(text=text, blocks=(SectionBlock(text),), ephemeral=True)


class Describe:
    """Slash command and option descriptions (shown by Discord's command picker)."""

    GROUP = "System-design interview practice"
    INTERVIEW = "Start a timed mock interview in a thread"
    INTERVIEW_SCENARIO = "The system to design (leave empty for a random one)"
    INTERVIEW_MINUTES = "Length in minutes, 10-90 (default 45)"
    INTERVIEW_WITH = "A peer mock: this teammate interviews you, with the rubric sent to them privately"
    NOTE = "As a peer mock's interviewer: a note for the candidate's scorecard"
    NOTE_TEXT = "What you noticed"
    PROMPT = "Post a practice question now"
    SCHEDULE = "See or set this channel's daily prompt (changing it needs Manage Channels)"
    SCHEDULE_TIME = "Local time, HH:MM (24-hour)"
    SCHEDULE_TIMEZONE = "IANA timezone, e.g. Europe/Berlin"
    SCHEDULE_WEEKDAYS = "mon-fri, mon,wed,fri, weekdays, weekends, daily, or off"
    SCHEDULE_SKIP = "No prompt on this date, YYYY-MM-DD (the channel's own date)"
    SCHEDULE_PAUSE_UNTIL = "No prompts up to and including this date, YYYY-MM-DD; or resume"
    TIMEZONE = "See or set your own timezone: your practice days count in it (Discord tells the bot none)"
    TIMEZONE_ZONE = "IANA timezone, e.g. Europe/Berlin; clear goes back to the channel's"
    PAUSE = "Take days off: paused days neither extend nor break your streak"
    PAUSE_DAYS = "How many days, from today (at most 14 by default)"
    RESUME = "Back early: end your pause today"
    PAIRING = "Weekly pairing for peer mocks: see it, join or leave; on/off needs Manage Channels"
    PAIRING_ACTION = "show (default), join, leave, on or off"
    PAIRING_WEEKDAY = "With on: the day pairs are made (default Monday)"
    PAIRING_TIME = "With on: local time, HH:MM (default 09:00)"
    PAIRING_TIMEZONE = "With on: IANA timezone (default: the channel's)"
    PAIRING_ODD = "With on: an odd one out joins a trio (default) or sits out, by turn"
    STREAK = "Show a practice streak"
    STREAK_MEMBER = "Whose streak (default: yours)"
    LEADERBOARD = "Who practises most"
    LEADERBOARD_WINDOW = "Time window (default: all time)"
    STATS = "Your practice as a picture: calendar, scores per section, weakest sections (only you see it)"
    STATS_MEMBER = "Whose stats (default: yours)"
    TEAM = "The team's coverage of the sections as a picture, and who improved most"
    TEAM_WINDOW = "Time window (default: month)"
    TEAM_SERVER = "The whole server instead of this channel"
    DRILL = "A practice question from your weakest section, in a private thread, scored at once"
    HISTORY = "Your last interviews and drills, with dates and scores"
    EXPORT = "Your whole practice as files: a Markdown transcript and JSON (only you see them)"
    SECTIONS = "The framework's sections and time budgets"
    SECTION = "One section's checklist"
    SECTION_NUMBER = "Section number, 0-9"
    SCENARIOS = "Systems to design"
    HELP = "How to use the practice bot"
    FORGET_ME = "Delete everything the bot keeps about you (asks first)"


WEEKDAY_SUGGESTIONS = ("mon-fri", "daily", "weekends", "mon,wed,fri", "tue,thu", "off")
