"""What members says: forget-me (the question with its two buttons, each answer to a click), a member's own
timezone, and pauses."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.members.store import ForgetReport
from bot.core.messages import Button, ButtonsBlock, OutMessage
from bot.core.records import Pause
from bot.core.texts import error_message, message

FORGET = "member.forget"
KEEP = "member.keep"


def confirm_forget(value: str, *, valid_minutes: int) -> OutMessage:
    return message(
        "Forget me?",
        [
            "This deletes everything practice-bot keeps about you: your answers and their scores, your mock "
            "interviews, your practice days and streaks, and the records of your clicks. It cannot be undone.",
            "Messages already posted in the chat stay there; delete them in the chat if you want them gone.",
            f"_The button works for {valid_minutes} minutes._",
        ],
        ephemeral=True,
        extra=(ButtonsBlock((Button(FORGET, "Forget me", value, "danger"), Button(KEEP, "Keep my data", value))),),
    )


def forgotten(report: ForgetReport) -> OutMessage:
    if report.total == 0:
        return message("", ["I had nothing about you to delete."], ephemeral=True)
    rows = "row" if report.total == 1 else "rows"
    return message(
        "Forgotten",
        [
            f"Done: I deleted {report.total} {rows} about you. I keep nothing of yours now.",
            "If you answer a prompt or start an interview again, I start a new record from scratch.",
        ],
        ephemeral=True,
    )


def kept() -> OutMessage:
    return message("", ["Nothing was deleted."], ephemeral=True)


def expired() -> OutMessage:
    return error_message("That confirmation has expired, so nothing was deleted. Run `/practice forget-me` again.")


def not_yours() -> OutMessage:
    return error_message(
        "This button belongs to someone else's `/practice forget-me`: it can only forget the person who asked."
    )


def timezone_set(zone: str) -> OutMessage:
    return message("", [f"Your practice days now count in *{zone}*, on every platform "
                        "(`/practice timezone clear` goes back to your platform's)."], ephemeral=True)


def timezone_cleared(counted: str) -> OutMessage:
    return message("", [f"Cleared. Your practice days count in *{counted}* (your platform's zone, else the "
                        "channel's)."], ephemeral=True)


def timezone_shown(chosen: str | None, counted: str) -> OutMessage:
    how = "you chose it" if chosen else "from your platform, else the channel's schedule"
    return message("", [f"Your practice days count in *{counted}* ({how}). Set yours with "
                        "`/practice timezone <IANA zone>`, e.g. `Europe/Berlin`."], ephemeral=True)


def paused(first_day: date, last_day: date, days: int) -> OutMessage:
    return message("", [f"You're away for {days} day{'s' if days != 1 else ''}: {first_day:%a %b %d} to "
                        f"{last_day:%a %b %d}. Those days neither extend nor break your streak, and the "
                        "leaderboard marks you away. Practising meanwhile still counts. `/practice resume` when "
                        "you're back."], ephemeral=True)


def already_paused(last_day: date) -> str:
    return (f"You're already away until {last_day:%a %b %d}. `/practice resume` ends it; then pause again "
            "for a new length.")


def resumed(pause: Pause, today: date) -> OutMessage:
    if pause.first_day >= today:
        return message("", ["Welcome back: your pause is cancelled. Practise today to keep your streak going."],
                       ephemeral=True)
    return message("", [f"Welcome back! Your pause ran {pause.first_day:%a %b %d} to "
                        f"{today - timedelta(days=1):%a %b %d}; from today, days count again. Practise today "
                        "to keep your streak going."], ephemeral=True)


def not_paused() -> OutMessage:
    return message("", ["You're not paused. `/practice pause <days>` takes days off without breaking your "
                        "streak."], ephemeral=True)
