"""The members capability: who practises, whose day it is, and forgetting them when they ask.

Owns member records, the timezone rule (a person's day is in their own timezone, else the
channel's, else the default) and forget-me (``Forgetting``: ``/practice forget-me``, its confirm
buttons, ``member.*``, and the operators' ``practice-bot forget``) and a member's own timezone
(``Timezones``: ``/practice timezone``, with a did-you-mean) and pauses (``Pauses``: ``/practice pause
<days>`` and ``/practice resume``).
"""

from bot.core.members._forget import CONFIRM_WINDOW, Forgetting
from bot.core.members._members import Members, own_timezone
from bot.core.members._pauses import DEFAULT_MAX_PAUSE_DAYS, Pauses
from bot.core.members._texts import FORGET, KEEP
from bot.core.members._timezones import Timezones
from bot.core.members.store import (
    ChannelDirectory,
    ForgetReport,
    ForgetStore,
    MemberStore,
    PauseStore,
    TimezoneStore,
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
    "TimezoneStore",
    "Timezones",
    "own_timezone",
]
