"""What pairing says: the channel's announcement with its buttons, each pair's private message, the reminder."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from framework import Scenario

from bot.core.messages import Button, ButtonsBlock, OutMessage
from bot.core.pairing.store import PairingRecord, PairRecord
from bot.core.refs import UserRef
from bot.core.texts import error_message, message

JOIN = "pairing.join"
LEAVE = "pairing.leave"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _when(pairing: PairingRecord) -> str:
    return f"{WEEKDAYS[pairing.weekday]}s at {pairing.local_time:%H:%M} {pairing.timezone}"


def _next(pairing: PairingRecord) -> str:
    if pairing.next_round_at is None:
        return ""
    local = pairing.next_round_at.astimezone(ZoneInfo(pairing.timezone))
    return f" Next round: {local:%a %Y-%m-%d %H:%M} ({pairing.timezone})."


def buttons(pairing: PairingRecord) -> ButtonsBlock:
    return ButtonsBlock((Button(JOIN, "Join pairing", str(pairing.id), style="primary"),
                         Button(LEAVE, "Leave", str(pairing.id))))


def pairing_on(pairing: PairingRecord) -> OutMessage:
    odd = ("an odd one out joins a pair of three" if pairing.odd_policy == "trio"
           else "an odd one out sits the week out, by turn")
    return message("Weekly pairing is on", [
        f"Every week ({_when(pairing)}) I pair the people who joined, each with someone they have not met "
        f"recently ({odd}), and send each pair a scenario and who interviews first.{_next(pairing)}",
        "Join with the button or `/practice pairing join`; `/practice pairing leave` to stop.",
    ], extra=(buttons(pairing),))


def pairing_status(pairing: PairingRecord | None, count: int, joined: bool) -> OutMessage:
    if pairing is None or not pairing.enabled:
        return message("", ["Weekly pairing is off here. An admin can start it: "
                            "`/practice pairing on [weekday] [HH:MM] [timezone]`."], ephemeral=True)
    you = "You're in." if joined else "You're not in yet."
    return message("", [f"Weekly pairing here: {_when(pairing)}, {count} joined. {you}{_next(pairing)}"],
                   ephemeral=True, extra=(buttons(pairing),))


def pairing_off() -> OutMessage:
    return message("", ["Weekly pairing is off in this channel. Those who joined stay joined if it comes back."])


def joined(pairing: PairingRecord, changed: bool) -> OutMessage:
    first = "You're in" if changed else "You were already in"
    return message("", [f"{first}: you'll be paired {_when(pairing)}.{_next(pairing)}"], ephemeral=True)


def left(changed: bool) -> OutMessage:
    return message("", ["You're out of weekly pairing here." if changed else "You weren't in weekly pairing here."],
                   ephemeral=True)


def no_pairing() -> str:
    return "Weekly pairing is off here. An admin can start it: `/practice pairing on [weekday] [HH:MM] [timezone]`."


def not_admin() -> OutMessage:
    return error_message("Only admins (or people on the bot's allow-list) can turn weekly pairing on or off. "
                         "Anyone can join: `/practice pairing join`.")


def _others(members: Sequence[UserRef], me: UserRef) -> str:
    names = [m.mention for m in members if m != me]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def pair_message(pair: PairRecord, me: UserRef, scenario: Scenario) -> OutMessage:
    first, second = pair.members[0], pair.members[1]
    order = (f"{first.mention} interviews first ({second.mention} is the candidate); then swap"
             + (f", and {pair.members[2].mention} takes the third turn" if len(pair.members) > 2 else "") + ".")
    start = f"`/practice interview {scenario.id} 45 with @interviewer`"
    return message(f"Your practice pair this week: {_others(pair.members, me)}", [
        f"Suggested scenario: *{scenario.title}* ({scenario.id}). {scenario.brief}",
        order,
        f"The candidate starts it in the channel with {start}; the bot keeps time and hands the "
        "interviewer the rubric.",
    ])


def reminder(pair: PairRecord, me: UserRef, scenario: Scenario, mocks: int) -> OutMessage:
    if mocks:
        done = f"You've run {mocks} peer mock{'s' if mocks != 1 else ''} together this week: nice."
    else:
        done = "No peer mock together yet this week."
    return message("Mid-week reminder", [
        f"{done} Your pair: {_others(pair.members, me)}; suggested scenario *{scenario.title}*.",
        f"Start it with `/practice interview {scenario.id} 45 with @interviewer`.",
    ])


def sitting_out() -> OutMessage:
    return message("Weekly pairing", ["This week the team has an odd number, and it's your turn to sit out. "
                                      "You won't be the one sitting out next week. A solo `/practice interview` "
                                      "keeps your hand in meanwhile."])
