"""The members capability: who practises, whose day it is, and forgetting them when they ask.

Owns member records, the timezone rule (a person's day is in their own timezone, else the
channel's, else the default) and forget-me (``Forgetting``: ``/practice forget-me``, its confirm
buttons, ``member.*``, and the operators' ``practice-bot forget``) and a member's own timezone
(``Timezones``: ``/practice timezone``, with a did-you-mean), pauses (``Pauses``: ``/practice pause
<days>`` and ``/practice resume``), and a workspace that removed the bot (``Workspaces``: its
schedules, interviews and pending posts stopped, its history kept).
"""

from bot.core.members._forget import CONFIRM_WINDOW, Forgetting
from bot.core.members._members import Members, own_timezone
from bot.core.members._pauses import DEFAULT_MAX_PAUSE_DAYS, Pauses
from bot.core.members._texts import FORGET, KEEP
from bot.core.members._timezones import Timezones
from bot.core.members._workspaces import Workspaces
from bot.core.members.store import (
    ChannelDirectory,
    ForgetReport,
    ForgetStore,
    MemberStore,
    PauseStore,
    RetireReport,
    TimezoneStore,
    WorkspaceStore,
)

__all__ = [
    "CONFIRM_WINDOW",
    "DEFAULT_MAX_PAUSE_DAYS",
    "FORGET",
    "KEEP",
    "ChannelDirectory",
    "ForgetReport",
    "ForgetStore",
    "Forgetting",
    "MemberStore",
    "Members",
    "PauseStore",
    "Pauses",
    "RetireReport",
    "TimezoneStore",
    "Timezones",
    "WorkspaceStore",
    "Workspaces",
    "own_timezone",
]
