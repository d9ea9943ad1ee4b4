"""Charts drawn with matplotlib: the core's ``Charts`` port (``bot.core.ports.Charts``).

matplotlib is imported only when the first chart is drawn (start-up stays fast: ``bench.startup``),
inside the one worker thread every chart is drawn in, so the event loop never blocks on it and
matplotlib (not thread-safe) never draws two figures at once. Only the Agg canvas is used, with
``matplotlib.figure.Figure`` directly: no pyplot, no GUI backend, no global figure state.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.charts import PersonalChart, TeamChart

log = logging.getLogger(__name__)


def _personal(chart: PersonalChart) -> bytes:
    from bot.charts import _draw  # imports matplotlib: only when a chart is drawn

    return _draw.png(_draw.personal_figure(chart))


def _team(chart: TeamChart) -> bytes:
    from bot.charts import _draw  # imports matplotlib: only when a chart is drawn

    return _draw.png(_draw.team_figure(chart))


class MatplotlibCharts:
    """Draws each chart in a worker thread of its own; ``close()`` lets that thread go."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

    async def personal(self, chart: PersonalChart) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._pool, _personal, chart)

    async def team(self, chart: TeamChart) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._pool, _team, chart)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


if TYPE_CHECKING:
    from bot.core.ports import Charts

    def _conforms(charts: MatplotlibCharts) -> Charts:
        return charts  # mypy checks that the renderer implements the port
