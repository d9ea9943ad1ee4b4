"""The interviews capability: timed mock interviews in a thread.

Owns starting an interview, the candidate's answers and steering words in its thread, its
buttons, the clock's deadlines and nudges, and how its outbox rows (phases, per-phase scores,
the scorecard) are delivered. Pure rules in ``rules``, the ports it needs in ``store``.
Later here: follow-up probes. Peer mocks will be a capability of their own beside it.
"""

from bot.core.interviews._delivery import InterviewDelivery
from bot.core.interviews._interviews import InterviewOutbox, Interviews
from bot.core.interviews._texts import END, HINT, NEXT, button_value
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
    "button_value",
]
