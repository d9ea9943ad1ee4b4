"""The permissions matrix both platforms walk (``tests/adapters/*/test_permissions.py``): the same cells,
and the refusals every platform words the same way."""

from __future__ import annotations

from bot.core.commands import BOTS_REFUSED

SHARED_REFUSALS = {
    "candidate only": "can steer this interview",
    "asker only": "it can only forget the person who asked",
    "already running": "already have an interview running",
    "bots refused": BOTS_REFUSED,
}
"""Refusal -> the words that show it (each platform adds how it says "managers only")."""

CELLS = (
    "help", "sections", "section 3", "scenarios", "schedule (show)", "streak", "streak of Alice", "leaderboard",
    "schedule 09:30 UTC mon-fri", "schedule off", "prompt", "interview", "answer in Alice's interview",
    "`hint` in Alice's interview", "answer to the prompt", "Hint button", "Show checklist button",
    "Next section button", "Keep my data (Alice's)", "Forget me (Alice's)", "forget-me", "Forget me (own)",
)
"""Every command, thread message and button, in the order each person walks them."""
