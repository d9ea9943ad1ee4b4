"""The peers capability: peer mock interviews, where a teammate interviews.

A peer mock is an interview (``bot.core.interviews``) with an interviewer: the interviews capability
keeps its phases, time and steering, and asks this one for each phase's private rubric row
(``PeerRubrics``) and for the scorecard's peer part (``PeerScorecards``). Owns the
interviewer's rubric and its delivery to them alone (``PeerDelivery``), their marks from its buttons
(``PeerMocks.handle_action``), their note (``PeerMocks.note``) and how marks and the scorer's
verdicts agree (``rules``). Ports in ``store``.
"""

from bot.core.peers._delivery import PeerDelivery
from bot.core.peers._peers import RUBRIC, PeerMocks, PeerRubrics, PeerScorecards
from bot.core.peers.store import MarkStore, NoteStore, PeerCardStore, PeerInterviews, RubricStore

__all__ = [
    "RUBRIC",
    "MarkStore",
    "NoteStore",
    "PeerCardStore",
    "PeerDelivery",
    "PeerInterviews",
    "PeerMocks",
    "PeerRubrics",
    "PeerScorecards",
    "RubricStore",
]
