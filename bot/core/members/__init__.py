"""The members capability: who practises and whose day it is.

Owns member records and the timezone rule (a person's day is in their own timezone, else the
channel's, else the default). Later here: pauses and forget-me.
"""

from bot.core.members._members import Members
from bot.core.members.store import ChannelDirectory, MemberStore

__all__ = ["ChannelDirectory", "MemberStore", "Members"]
