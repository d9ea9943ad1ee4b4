"""How a peer mock's rubric rows are delivered: privately, to the interviewer alone."""

from __future__ import annotations

import logging

from framework import Framework

from bot.core.outbox import OutboxKind, send_private
from bot.core.peers import _texts as texts
from bot.core.peers._peers import RUBRIC
from bot.core.peers.store import RubricStore
from bot.core.ports import Chat
from bot.core.records import OutboxRecord
from bot.core.refs import MessageRef

log = logging.getLogger(__name__)


class PeerDelivery:
    """The rubric row names the interview and the phase; the rubric is rendered when it is sent. The
    row's target is the interview's thread (where the interview is), but nothing is posted there."""

    def __init__(self, *, interviews: RubricStore, framework: Framework) -> None:
        self._interviews = interviews
        self._framework = framework

    def kinds(self) -> tuple[OutboxKind, ...]:
        return (OutboxKind(RUBRIC, self._rubric),)

    async def _rubric(self, chat: Chat, row: OutboxRecord) -> MessageRef | None:
        interview = await self._interviews.get_interview(row.subject_id or 0)
        if interview is None or interview.interviewer is None:
            await self._interviews.drop_outbox_row(row.id, reason="the peer mock or its interviewer is gone")
            return None
        phase_index = int(row.payload)
        section = self._framework.section(interview.phases[phase_index].section)
        scenario = self._framework.scenario(interview.scenario_id)
        messages = [texts.rubric(interview, section, scenario, phase_index),
                    *texts.mark_messages(interview, section, phase_index)]
        ref: MessageRef | None = None
        for number, message in enumerate(messages):
            ref = await send_private(chat, interview.interviewer, row.target, message,
                                     key=f"{row.dedupe_key}#{number + 1}")
        if ref is None:  # pragma: no cover - a rubric always has its header
            raise ValueError("nothing to send")
        return ref
