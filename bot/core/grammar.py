"""The ``/practice ...`` grammar: words into a command value the router hands to its capability.

``parse_command`` never raises anything but ``UserError``: every bad input gets a
message that says what was wrong and what to type instead. (Steering words typed in an
interview thread belong to the interviews capability: ``bot.core.interviews.parse_steer``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo

from framework import DEFAULT_LEVEL, LEVELS, Level

from bot.core.errors import UserError
from bot.core.interviews.rules import MAX_MINUTES, MIN_MINUTES
from bot.core.normalise import clean
from bot.core.progress.stats import TeamWindow
from bot.core.records import Window

MAX_COMMAND_LENGTH = 500
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SUBCOMMANDS = (
    "interview",
    "prompt",
    "schedule",
    "streak",
    "leaderboard",
    "sections",
    "section",
    "scenarios",
    "forget-me",
    "stats",
    "team",
    "note",
    "timezone",
    "drill",
    "history",
    "export",
    "pause",
    "resume",
    "pairing",
    "help",
)


@dataclass(frozen=True, slots=True)
class HelpCommand:
    topic: str = ""


@dataclass(frozen=True, slots=True)
class InterviewCommand:
    scenario: str | None = None
    minutes: int | None = None
    level: Level = DEFAULT_LEVEL
    quiet: bool = False
    """No follow-up probes."""
    interviewer: str | None = None
    """``with @member``: a peer mock, that teammate interviews (the mention as typed)."""


@dataclass(frozen=True, slots=True)
class NoteCommand:
    """A peer mock interviewer's note for the scorecard."""

    text: str


@dataclass(frozen=True, slots=True)
class TimezoneCommand:
    """The asker's own timezone: set (an IANA name, checked by ``bot.core.members.Timezones``), ``clear``,
    or shown (``None``)."""

    zone: str | None = None


@dataclass(frozen=True, slots=True)
class PauseCommand:
    """``/practice pause <days>``: the asker is away; their streak is kept (``bot.core.members.Pauses``)."""

    days: int


@dataclass(frozen=True, slots=True)
class ResumeCommand:
    """``/practice resume``: back before the pause ends."""


@dataclass(frozen=True, slots=True)
class ScheduleSkipCommand:
    """``/practice schedule skip <YYYY-MM-DD>``: no daily prompt that local day (admins)."""

    day: date


@dataclass(frozen=True, slots=True)
class SchedulePauseCommand:
    """``/practice schedule pause until <YYYY-MM-DD>`` (``until=None``: ``schedule resume``) (admins)."""

    until: date | None


@dataclass(frozen=True, slots=True)
class PairingCommand:
    """``/practice pairing [on [weekday] [HH:MM] [timezone] [trio|sit-out] | off | join | leave]``."""

    action: Literal["show", "on", "off", "join", "leave"] = "show"
    weekday: int | None = None
    local_time: time | None = None
    timezone: str | None = None
    odd_policy: Literal["trio", "sit-out"] | None = None


@dataclass(frozen=True, slots=True)
class PromptCommand:
    pass


@dataclass(frozen=True, slots=True)
class ScheduleCommand:
    """No fields set: show the current schedule."""

    local_time: time | None = None
    timezone: str | None = None
    weekdays: frozenset[int] | None = None
    off: bool = False

    @property
    def is_query(self) -> bool:
        return not self.off and self.local_time is None and self.timezone is None and self.weekdays is None


@dataclass(frozen=True, slots=True)
class StreakCommand:
    member: str | None = None


@dataclass(frozen=True, slots=True)
class LeaderboardCommand:
    window: Window = "all"


@dataclass(frozen=True, slots=True)
class SectionsCommand:
    pass


@dataclass(frozen=True, slots=True)
class SectionCommand:
    number: int


@dataclass(frozen=True, slots=True)
class ScenariosCommand:
    pass


@dataclass(frozen=True, slots=True)
class ForgetMeCommand:
    """Delete everything about the asker (after a confirm click: ``bot.core.members.Forgetting``)."""


@dataclass(frozen=True, slots=True)
class StatsCommand:
    """A member's progress as a picture (the asker's when ``member`` is None)."""

    member: str | None = None


@dataclass(frozen=True, slots=True)
class DrillCommand:
    """A personal prompt from the asker's weakest section, in a thread of its own."""


@dataclass(frozen=True, slots=True)
class HistoryCommand:
    """The asker's last interviews and drills, with dates and scores."""


@dataclass(frozen=True, slots=True)
class ExportCommand:
    """The asker's transcript (Markdown) and the same as JSON, as files."""


@dataclass(frozen=True, slots=True)
class TeamCommand:
    """The channel's (or, with ``workspace``, the workspace's) coverage of the sections."""

    window: TeamWindow = "month"
    workspace: bool = False


Command = (
    HelpCommand
    | InterviewCommand
    | PromptCommand
    | ScheduleCommand
    | StreakCommand
    | LeaderboardCommand
    | SectionsCommand
    | SectionCommand
    | ScenariosCommand
    | ForgetMeCommand
    | StatsCommand
    | TeamCommand
    | NoteCommand
    | TimezoneCommand
    | DrillCommand
    | HistoryCommand
    | ExportCommand
    | PauseCommand
    | ResumeCommand
    | ScheduleSkipCommand
    | SchedulePauseCommand
    | PairingCommand
)

def parse_command(text: str) -> Command:
    """Parse the text after ``/practice`` (a leading ``/practice`` is accepted too)."""
    text = clean(text)
    if len(text) > MAX_COMMAND_LENGTH:
        raise UserError("That command is too long. Try `/practice help`.")
    words = text.split(" ") if text else []
    if words and words[0].lower() in {"/practice", "practice"}:
        words = words[1:]
    if not words:
        return HelpCommand()
    name, args = words[0].lower(), words[1:]
    if name == "help":
        return HelpCommand(args[0].lower() if args else "")
    if name == "interview":
        return _interview(args)
    if name in {"timezone", "tz"}:
        return TimezoneCommand(" ".join(args) if args else None)
    if name == "note":
        return NoteCommand(" ".join(args))
    if name == "prompt":
        _no_args(name, args)
        return PromptCommand()
    if name == "schedule":
        if args and args[0].lower() in {"skip", "pause", "resume", "unpause"}:
            return _schedule_break(args)
        return parse_schedule(args)
    if name in {"pairing", "pairs", "pair"}:
        return parse_pairing(args)
    if name in {"pause", "away"}:
        return _pause(args)
    if name in {"resume", "back"}:
        _no_args(name, args)
        return ResumeCommand()
    if name == "streak":
        return StreakCommand(" ".join(args) if args else None)
    if name in {"leaderboard", "board", "top"}:
        return _leaderboard(args)
    if name == "sections":
        _no_args(name, args)
        return SectionsCommand()
    if name == "section":
        return _section(args)
    if name == "scenarios":
        _no_args(name, args)
        return ScenariosCommand()
    if name in {"forget-me", "forgetme"} or (name == "forget" and [a.lower() for a in args[:1]] == ["me"]):
        if len(args) > (1 if name == "forget" else 0):
            raise UserError("`/practice forget-me` takes no options: it only ever forgets you.")
        return ForgetMeCommand()
    if name == "stats":
        return StatsCommand(" ".join(args) if args else None)
    if name == "team":
        return _team(args)
    if name == "drill":
        _no_args(name, args)
        return DrillCommand()
    if name == "history":
        _no_args(name, args)
        return HistoryCommand()
    if name == "export":
        _no_args(name, args)
        return ExportCommand()
    suggestion = _closest(name)
    hint = f" Did you mean `/practice {suggestion}`?" if suggestion else ""
    raise UserError(f"I don't know the command `{_shown(name)}`.{hint} Try `/practice help`.")


def _pause(args: list[str]) -> PauseCommand:
    usage = "Usage: `/practice pause <days>`, e.g. `/practice pause 7`."
    if len(args) != 1:
        raise UserError(usage)
    word = args[0].lower().removesuffix("days").removesuffix("day").removesuffix("d")
    if not (word.isascii() and word.isdigit()):
        raise UserError(usage)
    return PauseCommand(int(word[:4]))


_PAIRING_USAGE = ("Usage: `/practice pairing on [weekday] [HH:MM] [timezone] [trio|sit-out]` (admins), "
                  "`/practice pairing off`, `/practice pairing join` or `/practice pairing leave`.")


def parse_pairing(args: list[str]) -> PairingCommand:
    if not args:
        return PairingCommand()
    word, rest = args[0].lower(), args[1:]
    if word in {"join", "leave", "off"}:
        if rest:
            raise UserError(f"`/practice pairing {word}` takes no options.")
        return PairingCommand("join" if word == "join" else "leave" if word == "leave" else "off")
    if word != "on":
        raise UserError(_PAIRING_USAGE)
    weekday: int | None = None
    local_time: time | None = None
    timezone: str | None = None
    odd: Literal["trio", "sit-out"] | None = None
    for arg in rest:
        lowered = arg.lower()
        if lowered in {"trio", "trios", "sit-out", "sitout", "sit"}:
            odd = "trio" if lowered.startswith("trio") else "sit-out"
        elif lowered[:3] in WEEKDAY_NAMES and lowered.isalpha() and weekday is None:
            weekday = WEEKDAY_NAMES.index(lowered[:3])
        elif _TIME.match(lowered) and any(ch.isdigit() for ch in lowered) and local_time is None:
            local_time = parse_time(arg)
        elif timezone is None and ("/" in arg or lowered in {"utc", "gmt"} or _is_timezone(arg)):
            timezone = validate_timezone("UTC" if lowered in {"utc", "gmt"} else arg)
        else:
            raise UserError(_PAIRING_USAGE)
    return PairingCommand("on", weekday, local_time, timezone, odd)


def parse_date(text: str) -> date:
    """A calendar date written ``YYYY-MM-DD``, or a clear error."""
    try:
        if not text.isascii() or len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"I can't read the date `{_shown(text)}`. Use `YYYY-MM-DD`, e.g. `2026-12-24`.") from None


def _schedule_break(args: list[str]) -> ScheduleSkipCommand | SchedulePauseCommand:
    word, rest = args[0].lower(), args[1:]
    if word == "skip":
        if len(rest) != 1:
            raise UserError("Usage: `/practice schedule skip <YYYY-MM-DD>` (admins).")
        return ScheduleSkipCommand(parse_date(rest[0]))
    if word in {"resume", "unpause"} or (word == "pause" and [r.lower() for r in rest] == ["off"]):
        if word != "pause" and rest:
            raise UserError("`/practice schedule resume` takes no options.")
        return SchedulePauseCommand(None)
    if len(rest) == 2 and rest[0].lower() == "until":
        return SchedulePauseCommand(parse_date(rest[1]))
    raise UserError("Usage: `/practice schedule pause until <YYYY-MM-DD>` (admins); "
                    "`/practice schedule resume` ends it early.")


_ALIASES = {"board": "leaderboard", "top": "leaderboard", "forgetme": "forget-me", "forget": "forget-me",
            "away": "pause", "back": "resume"}


def command_name(text: str) -> str:
    """The name a command counts under (metrics): one of ``SUBCOMMANDS``, or ``unknown``."""
    words = clean(text)[:MAX_COMMAND_LENGTH].lower().split()
    if words and words[0] in {"/practice", "practice"}:
        words = words[1:]
    if not words:
        return "help"
    name = _ALIASES.get(words[0], words[0])
    return name if name in SUBCOMMANDS else "unknown"


def _shown(text: str) -> str:
    return text[:40].replace("`", "'")


def _no_args(name: str, args: list[str]) -> None:
    if args:
        raise UserError(f"`/practice {name}` takes no options. Try `/practice help`.")


def _closest(name: str) -> str | None:
    for candidate in SUBCOMMANDS:
        if candidate.startswith(name[:3]) and len(name) >= 3:
            return candidate
    return None


def _interview(args: list[str]) -> InterviewCommand:
    scenario: str | None = None
    minutes: int | None = None
    level: Level | None = None
    quiet = False
    interviewer: str | None = None
    lowered = [arg.lower() for arg in args]
    if "for" in lowered and any(arg.startswith(("@", "<@")) for arg in args):
        raise UserError("The candidate starts a peer mock and names the interviewer: ask them to type "
                        "`/practice interview [scenario] [minutes] with @you`.")
    if "with" in lowered:
        at = lowered.index("with")
        if at + 1 >= len(args) or not args[at + 1].strip():
            raise UserError("Name your interviewer: `/practice interview url-shortener 45 with @teammate`.")
        interviewer = args[at + 1]
        if len(args) > at + 2:
            raise UserError("Put `with @member` last: `/practice interview url-shortener 45 with @teammate`.")
        args = args[:at]
    for arg in args:
        stripped = arg.lower().removesuffix("min").removesuffix("m")
        word = arg.lower()
        if word == "quiet":
            quiet = True
        elif word in LEVELS:
            if level is not None:
                raise UserError("Give the level once: `mid`, `senior` or `staff`.")
            level = next(known for known in LEVELS if known == word)
        elif stripped.isdigit() and stripped.isascii():
            if minutes is not None:
                raise UserError("Give the interview length once, e.g. `/practice interview url-shortener 30`.")
            minutes = int(stripped[:4])
            if not MIN_MINUTES <= minutes <= MAX_MINUTES:
                raise UserError(
                    f"An interview can last {MIN_MINUTES} to {MAX_MINUTES} minutes; "
                    f"{_shown(arg)} is out of range."
                )
        elif scenario is None:
            scenario = arg.lower()
        else:
            raise UserError(
                "Usage: `/practice interview [scenario] [minutes] [mid|senior|staff] [quiet] [with @member]`, e.g. "
                "`/practice interview url-shortener 30 staff`. See `/practice scenarios`."
            )
    return InterviewCommand(scenario, minutes, level or DEFAULT_LEVEL, quiet, interviewer)


def _leaderboard(args: list[str]) -> LeaderboardCommand:
    if not args:
        return LeaderboardCommand()
    window = args[0].lower()
    if len(args) > 1 or window not in {"week", "month", "all"}:
        raise UserError("Usage: `/practice leaderboard [week|month|all]`.")
    value: Window = window  # type: ignore[assignment]
    return LeaderboardCommand(value)


def _team(args: list[str]) -> TeamCommand:
    window: TeamWindow | None = None
    workspace = False
    for arg in (a.lower() for a in args):
        if arg in {"week", "month", "quarter"} and window is None:
            window = "week" if arg == "week" else "month" if arg == "month" else "quarter"
        elif arg in {"workspace", "all", "server"} and not workspace:
            workspace = True
        else:
            raise UserError("Usage: `/practice team [week|month|quarter] [workspace]`.")
    return TeamCommand(window or "month", workspace)


def _section(args: list[str]) -> SectionCommand:
    if len(args) != 1 or not (args[0].isascii() and args[0].isdigit()):
        raise UserError("Usage: `/practice section <0-9>`. See `/practice sections`.")
    number = int(args[0][:3])
    if not 0 <= number <= 9:
        raise UserError(f"There is no section {number}: sections are numbered 0 to 9.")
    return SectionCommand(number)


_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time:
    match = _TIME.match(text.lower())
    if not match or not text.isascii():
        raise UserError(f"I can't read the time `{_shown(text)}`. Use 24-hour `HH:MM`, e.g. `09:30`.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = match.group(3)
    if meridiem:
        if not 1 <= hour <= 12:
            raise UserError(f"`{_shown(text)}` is not a time. Try `9:30am` or `17:30`.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UserError(f"`{_shown(text)}` is not a time of day. Use `HH:MM` between 00:00 and 23:59.")
    return time(hour, minute)


def validate_timezone(name: str) -> str:
    """An IANA timezone name as written (``Europe/Berlin``), or a clear error."""
    if not name or len(name) > 64 or not name.isascii() or ".." in name or name.startswith("/"):
        raise UserError(f"`{_shown(name)}` is not a timezone. Use an IANA name such as `Europe/Berlin`.")
    try:
        ZoneInfo(name)
    except Exception as exc:  # zoneinfo raises several types for bad keys; all mean "unknown"
        raise UserError(
            f"Unknown timezone `{_shown(name)}`. Use an IANA name such as `America/New_York` or `UTC`."
        ) from exc
    return name


def _is_timezone(name: str) -> bool:
    try:
        validate_timezone(name)
    except UserError:
        return False
    return True


def parse_weekdays(text: str) -> frozenset[int]:
    word = text.lower()
    named = {
        "daily": frozenset(range(7)),
        "everyday": frozenset(range(7)),
        "weekdays": frozenset(range(5)),
        "workdays": frozenset(range(5)),
        "weekends": frozenset({5, 6}),
    }
    if word in named:
        return named[word]
    days: set[int] = set()
    for part in word.split(","):
        if "-" in part:
            start, _, end = part.partition("-")
            first, last = _weekday(start, text), _weekday(end, text)
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            days.update(span)
        else:
            days.add(_weekday(part, text))
    return frozenset(days)


def _weekday(part: str, whole: str) -> int:
    key = part.strip()[:3]
    if key not in WEEKDAY_NAMES or len(part.strip()) < 3:
        raise UserError(
            f"I can't read the weekdays `{_shown(whole)}`. Use e.g. `mon-fri`, `mon,wed,fri`, "
            "`weekdays`, `weekends` or `daily`."
        )
    return WEEKDAY_NAMES.index(key)


def parse_schedule(args: list[str]) -> ScheduleCommand:
    """``[HH:MM] [timezone] [weekdays|off]`` in any order."""
    if len(args) == 1 and args[0].lower() in {"off", "stop", "disable"}:
        return ScheduleCommand(off=True)
    local_time: time | None = None
    timezone: str | None = None
    weekdays: frozenset[int] | None = None
    for arg in args:
        lowered = arg.lower()
        if lowered in {"off", "stop", "disable"}:
            raise UserError("`off` turns the schedule off on its own: `/practice schedule off`.")
        if lowered in {"skip", "pause", "resume", "unpause"}:
            raise UserError("Skipping a day or pausing is a change of its own: `/practice schedule skip <YYYY-MM-DD>`, "
                            "`/practice schedule pause until <YYYY-MM-DD>` or `/practice schedule resume`.")
        if _TIME.match(lowered) and any(ch.isdigit() for ch in lowered):
            if local_time is not None:
                raise UserError("Give the time once, e.g. `/practice schedule 09:30 Europe/Berlin mon-fri`.")
            local_time = parse_time(arg)
        elif "/" in arg or lowered in {"utc", "gmt"}:
            if timezone is not None:
                raise UserError("Give the timezone once, e.g. `/practice schedule 09:30 Europe/Berlin`.")
            timezone = validate_timezone("UTC" if lowered in {"utc", "gmt"} else arg)
        else:
            try:
                days = parse_weekdays(arg)
            except UserError:
                if timezone is None and _is_timezone(arg):  # zones without a slash: EST, Japan, Zulu
                    timezone = arg
                    continue
                raise
            if weekdays is not None:
                raise UserError("Give the weekdays once, e.g. `mon-fri` or `mon,wed,fri`.")
            weekdays = days
    return ScheduleCommand(local_time=local_time, timezone=timezone, weekdays=weekdays)
