"""Peer mock rules: marks, how an interviewer's mark and a scorer's verdict agree, the mark buttons.

Pure functions; the use cases (``PeerMocks``) store marks through ``MarkStore`` and the scorecard's
peer part reads them back.
"""

from __future__ import annotations

from typing import Literal

from framework import Section

from bot.core.errors import UserError
from bot.core.messages import button_number
from bot.core.records import InterviewRecord, Verdict
from bot.core.refs import UserRef

MARK_ACTION_PREFIX = "peer."
MARK_CODES: dict[str, Verdict] = {"c": "covered", "p": "partial", "m": "missing"}
CODE_OF: dict[Verdict, str] = {verdict: code for code, verdict in MARK_CODES.items()}
ITEMS_PER_MARK_MESSAGE = 8
"""Three buttons an item: 8 items are 24 buttons, inside Discord's 25 and Slack's 25 per message."""
MAX_NOTE_CHARS = 1500
Agreement = Literal["agree", "close", "differ", "unmarked"]


def mark_action(code: str, item_number: int) -> str:
    """``peer.c.3``: unique within a message (Slack wants distinct action ids), short enough for a
    Discord custom id; the item is its position in the section."""
    return f"{MARK_ACTION_PREFIX}{code}.{item_number}"


def mark_value(interview_id: int, phase_index: int) -> str:
    return f"{interview_id}-{phase_index}"


def parse_mark(action: str, value: str) -> tuple[Verdict, int, int, int]:
    """(mark, item number, interview id, phase index) from a mark button, or a friendly error."""
    parts = action.removeprefix(MARK_ACTION_PREFIX).split(".")
    interview_part, _, phase_part = value.partition("-")
    if len(parts) != 2 or parts[0] not in MARK_CODES or not phase_part:
        raise UserError("That button is no longer supported.")
    return MARK_CODES[parts[0]], button_number(parts[1]), button_number(interview_part), button_number(phase_part)


def agreement(mark: Verdict | None, verdict: Verdict | None) -> Agreement:
    """Agree: the same verdict; close: one step apart (covered/partial, partial/missing); differ:
    covered against missing."""
    if mark is None or verdict is None:
        return "unmarked"
    if mark == verdict:
        return "agree"
    if "partial" in {mark, verdict}:
        return "close"
    return "differ"


def agreement_share(pairs: list[tuple[Verdict | None, Verdict | None]]) -> tuple[int, int]:
    """(items the interviewer and the scorer agree on, items both judged)."""
    judged = [agreement(mark, verdict) for mark, verdict in pairs if mark is not None and verdict is not None]
    return sum(1 for a in judged if a == "agree"), len(judged)


def item_at(section: Section, number: int) -> str:
    if not 0 <= number < len(section.items):
        raise UserError("That button's item is not in this section any more.")
    return section.items[number].id



def is_interviewer(interview: InterviewRecord, user: UserRef) -> bool:
    """The click or command is the interviewer's. A click in a direct message carries no workspace on
    Discord (a DM belongs to no server), and Discord user ids are global: the id decides there."""
    who = interview.interviewer
    if who is None or who.platform != user.platform or who.user_id != user.user_id:
        return False
    return user.workspace in {who.workspace, ""}


def mentioned_user(asker: UserRef, mention: str) -> UserRef:
    """The teammate a command names: ``<@U123|ann>`` (Slack), ``<@123>`` / ``<@!123>`` (Discord),
    ``@ann`` (console), on the asker's platform and workspace. A bare id is shown as a mention."""
    text = mention.strip()
    name = ""
    if text.startswith("<@") and text.endswith(">"):
        inner = text[2:-1].lstrip("!")
        user_id, _, name = inner.partition("|")
    else:
        user_id = text.lstrip("@")
    if not user_id or len(user_id) > 64 or not all(ch.isalnum() or ch in "._-" for ch in user_id):
        raise UserError("Name your interviewer with a mention, e.g. `with @teammate`.")
    if not name:
        name = f"@{user_id}" if asker.platform == "console" else f"<@{user_id}>"
    return UserRef(asker.platform, user_id, asker.workspace, name)
