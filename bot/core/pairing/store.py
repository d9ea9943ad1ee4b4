"""The pairing capability's ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from bot.core.pairing.rules import OddPolicy, PastRound
from bot.core.refs import ChannelRef, UserRef


@dataclass(frozen=True, slots=True)
class PairingRecord:
    """A channel's weekly pairing: the round's local weekday and time, and the next round's moment."""

    id: int
    channel: ChannelRef
    weekday: int
    local_time: time
    timezone: str
    odd_policy: OddPolicy
    enabled: bool
    next_round_at: datetime | None


@dataclass(frozen=True, slots=True)
class PairingMember:
    member_id: int
    user: UserRef
    odd_times: int = 0
    """Rounds this member was the odd one out (in a trio, or sitting out)."""


@dataclass(frozen=True, slots=True)
class PairRecord:
    """One pair (or trio) of a round; ``members[0]`` interviews first."""

    id: int
    round_id: int
    channel: ChannelRef
    local_date: date
    members: tuple[UserRef, ...]
    scenario_id: str


@dataclass(frozen=True, slots=True)
class PlannedPair:
    member_ids: tuple[int, ...]
    scenario_id: str


@dataclass(frozen=True, slots=True)
class RoundClaim:
    """What the one process that wins a round writes, in one transaction."""

    pairing_id: int
    expected_next_at: datetime
    next_round_at: datetime
    local_date: date
    remind_at: datetime
    pairs: tuple[PlannedPair, ...]
    odd_id: int | None
    """The odd one out (in a trio, or sitting out): counted on their pairing membership."""
    purpose: str
    """The outbox purpose of each member's private message (one row per member of each pair)."""
    sit_out_purpose: str | None = None
    """With a member sitting out: the outbox purpose of the one row that tells them."""


class PairingStore(Protocol):
    async def get_pairing(self, channel: ChannelRef) -> PairingRecord | None: ...

    async def save_pairing(self, channel: ChannelRef, *, weekday: int, local_time: time, timezone: str,
                           odd_policy: OddPolicy, enabled: bool, next_round_at: datetime | None) -> PairingRecord:
        """Create the channel and its pairing if need be, and set it."""
        ...

    async def set_pairing_member(self, pairing_id: int, user: UserRef, *, joined: bool, now: datetime) -> bool:
        """Opt ``user`` in (``joined``) or out; True when that changed anything."""
        ...

    async def pairing_members(self, pairing_id: int) -> list[PairingMember]: ...

    async def past_rounds(self, pairing_id: int, *, limit: int) -> list[PastRound]:
        """The latest rounds, newest first, as member ids (``odd``: the member whose last odd round it was)."""
        ...

    async def due_pairings(self, now: datetime) -> list[PairingRecord]:
        """Enabled pairings whose ``next_round_at <= now``."""
        ...

    async def claim_round(self, claim: RoundClaim) -> list[PairRecord] | None:
        """Move the pairing on (only if its ``next_round_at`` still is ``expected_next_at``), insert the round
        (unique per pairing and local date), its pairs and one outbox row per member of each pair. ``None``
        for the loser (another process claimed it)."""
        ...

    async def due_reminders(self, now: datetime) -> list[int]:
        """Rounds whose mid-week reminder is due and not yet claimed."""
        ...

    async def claim_reminder(self, round_id: int, *, purpose: str) -> list[PairRecord] | None:
        """Mark the round reminded (only once) and write one outbox row per member of each pair."""
        ...

    async def next_pairing_due(self) -> datetime | None:
        """The earliest round or reminder to come."""
        ...


class Kick(Protocol):
    def kick(self) -> None:
        """Have the outbox's sending loop look at the store now (new rows were written)."""
        ...


class PairDeliveryStore(Protocol):
    """What delivering a pair's private messages reads."""

    async def round_sitter(self, round_id: int) -> UserRef | None:
        """Who sits the round out (``None``: nobody, or they were forgotten since)."""
        ...

    async def get_pair(self, pair_id: int) -> PairRecord | None: ...

    async def pair_mocks(self, pair: PairRecord, *, since: datetime) -> int:
        """Peer mocks between members of the pair started since ``since``: the pair's mocks, linked to it."""
        ...

    async def drop_outbox_row(self, outbox_id: int, *, reason: str) -> None:
        """Settle a claimed row without sending it (its pair is gone): it is not retried."""
        ...
