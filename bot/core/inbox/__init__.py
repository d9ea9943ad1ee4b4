"""Shared machinery, not a capability: the inbox.

Every inbound item (a Slack command, event or click; a Discord interaction or thread message; a
console line) is written here before it is acknowledged, applied on its lane in arrival order per
thread or person, and marked done with its effect. See ``_inbox.py``.
"""

from bot.core.inbox._inbox import MAX_BATCH, RETENTION, Applier, Inbox, Job
from bot.core.inbox._lanes import Lanes
from bot.core.inbox.codec import action_of, action_payload, command_of, command_payload, message_of, message_payload
from bot.core.inbox.items import APPLYING, Applying, InboundItem, InboxRecord, applying, retrying
from bot.core.inbox.store import InboxStore

__all__ = [
    "APPLYING",
    "MAX_BATCH",
    "RETENTION",
    "Applier",
    "Applying",
    "InboundItem",
    "Inbox",
    "InboxRecord",
    "InboxStore",
    "Job",
    "Lanes",
    "action_of",
    "action_payload",
    "applying",
    "command_of",
    "command_payload",
    "message_of",
    "message_payload",
    "retrying",
]
