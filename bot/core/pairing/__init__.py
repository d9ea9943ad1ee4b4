"""The pairing capability: weekly pairs for peer mock interviews, without anyone organising them.

``/practice pairing on [weekday] [HH:MM] [timezone] [trio|sit-out]`` (admins) turns it on in a channel;
people opt in with the Join button or ``/practice pairing join`` (``leave`` to stop). Each week the
clock's tick claims the channel's round once across replicas (the pairing's ``next_round_at`` moved on
conditionally and the round unique per channel and date, in one transaction with its outbox rows),
pairs people who have not met recently (``rules.make_round``), and each member of a pair gets a private
message with a suggested scenario and who interviews first; a mid-week reminder follows, claimed once
too. The pair's peer mocks are the interviews between its members since the round (``pair_mocks``).
"""

from bot.core.pairing._delivery import PairingDelivery
from bot.core.pairing._pairing import PAIR_MESSAGE, PAIR_REMINDER, Pairing
from bot.core.pairing._texts import JOIN, LEAVE
from bot.core.pairing.store import (
    PairDeliveryStore,
    PairingMember,
    PairingRecord,
    PairingStore,
    PairRecord,
    PlannedPair,
    RoundClaim,
)

__all__ = [
    "JOIN",
    "LEAVE",
    "PAIR_MESSAGE",
    "PAIR_REMINDER",
    "PairDeliveryStore",
    "PairRecord",
    "Pairing",
    "PairingDelivery",
    "PairingMember",
    "PairingRecord",
    "PairingStore",
    "PlannedPair",
    "RoundClaim",
]
