"""A member's home (Slack's App Home): streak, practice days, last five scores, weakest sections,
and buttons for a drill and for the stats picture; rebuilt from the database each time it is shown."""

from __future__ import annotations

from datetime import timedelta

from framework import Framework

from bot.core.messages import OutMessage
from bot.core.ports import Clock
from bot.core.progress import _home_texts as texts
from bot.core.progress.stats import ScoreScope, weakest_sections
from bot.core.progress.store import ScoredAnswers, StreakReader
from bot.core.refs import UserRef

HOME_WINDOW_DAYS = 90
LAST_SCORES = 5


class Home:
    def __init__(self, *, scores: ScoredAnswers, streaks: StreakReader, framework: Framework, clock: Clock) -> None:
        self._scores = scores
        self._streaks = streaks
        self._framework = framework
        self._clock = clock

    async def view(self, user: UserRef) -> OutMessage:
        since = self._clock.now().date() - timedelta(days=HOME_WINDOW_DAYS)
        facts = await self._scores.scored_answers(ScoreScope(user.platform, user.workspace, member=user), since=since)
        streak = await self._streaks.get_streak(user)
        last = list(reversed(facts[-LAST_SCORES:]))
        return texts.home_view(user.mention, streak, last, weakest_sections(facts, self._framework), self._framework)
