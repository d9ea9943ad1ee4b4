"""The interviews capability: timed mock interviews in a thread.

Owns starting an interview, the candidate's answers and steering words in its thread, its
buttons, the clock's deadlines and nudges, and how its outbox rows (phases, per-phase scores,
the scorecard) are delivered. Pure rules in ``rules``, the ports it needs in ``store``.
Follow-up probes about what a phase's answers miss are claimed like nudges.
Peer mocks will be a capability of their own beside it.
"""

from bot.core.interviews._delivery import InterviewDelivery
from bot.core.interviews._interviews import InterviewOutbox, Interviews
from bot.core.interviews._texts import END, HINT, NEXT, button_value
from bot.core.interviews.rules import ProbePolicy
from bot.core.interviews.store import InterviewReader, InterviewScoreStore, InterviewStore

__all__ = [
    "END",
    "HINT",
    "NEXT",
    "InterviewDelivery",
    "InterviewOutbox",
    "InterviewReader",
    "InterviewScoreStore",
    "InterviewStore",
    "Interviews",
    "ProbePolicy",
    "button_value",
]
