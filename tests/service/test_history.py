"""``/practice history`` and ``/practice export`` (and ``History.document`` behind ``practice-bot
export``) through the real service and storage: the export round-trips every answer of the member
and nobody else's."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.core.messages import InMessage
from bot.core.refs import MessageRef, ThreadRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.storage.models import Answer, Member
from tests.fakes import RecordingChat
from tests.service.conftest import ALICE, BOB, ServiceFactory, ctx

_n = iter(range(1, 10_000))


def said(user: UserRef, thread: ThreadRef, text: str, clock: FakeClock) -> InMessage:
    n = next(_n)
    return InMessage(ref=MessageRef(thread.channel, f"h{n}", thread), author=user, text=text,
                     event_key=f"console:h{user.user_id}:{n}", sent_at=clock.now())


async def _practise(service: PracticeService, chat: RecordingChat, clock: FakeClock, who: UserRef) -> None:
    """An interview (two answered phases), a drill and an answer to today's prompt."""
    tag = who.display_name.upper()
    await service.handle_command(ctx(who), "interview url-shortener 15")
    thread = chat.threads[-1]
    await service.handle_message(said(who, thread, f"{tag} framing: the team knows Postgres", clock))
    await service.handle_message(said(who, thread, "next", clock))
    await service.handle_message(said(who, thread, f"{tag} scope: p95 latency 50 ms, 10k requests per second",
                                      clock))
    await service.handle_message(said(who, thread, f"{tag} scope, more: GDPR applies", clock))
    await service.handle_message(said(who, thread, "end", clock))
    await service.handle_command(ctx(who), "drill")
    drill_thread = chat.threads[-1]
    await service.handle_message(said(who, drill_thread, f"{tag} drill: shard by key, replicas for reads", clock))
    await service.dispatcher.drain()


def _answers_in(data: dict[str, Any]) -> list[str]:
    texts = [a["text"] for i in data["interviews"] for phase in i["phases"] for a in phase["answers"]]
    texts += [a["text"] for p in data["prompts"] + data["drills"] for a in p["answers"]]
    return texts + [a["text"] for a in data["other_answers"]]


async def _stored_answers(service: PracticeService, who: UserRef) -> list[str]:
    async with service.store.engine.connect() as connection:  # type: ignore[attr-defined]
        rows = await connection.execute(
            select(Answer.text).join(Member, Answer.member_id == Member.id)
            .where(Member.external_id == who.user_id, Answer.withdrawn.is_(False)))
        return [row.text for row in rows]


async def test_export_round_trips_every_answer_of_the_member_and_nobody_elses(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    await service.handle_command(ctx(), "prompt")
    await service.dispatcher.drain()
    prompt_thread = chat.threads[-1]
    for who in (ALICE, BOB):
        await service.handle_message(said(who, prompt_thread, f"{who.display_name.upper()} prompt answer: cache",
                                          clock))
    withdrawn = said(ALICE, prompt_thread, "ALICE second thoughts, deleted", clock)
    await service.handle_message(withdrawn)
    await service.handle_delete(withdrawn.event_key)
    await _practise(service, chat, clock, ALICE)
    await _practise(service, chat, clock, BOB)
    prompt = await service.store.prompt_by_thread(prompt_thread)
    assert prompt is not None
    clock.set(prompt.closes_at + timedelta(seconds=1))
    await service.tick()
    await service.dispatcher.drain()

    document = await service.history.document("console", ALICE.user_id, "json")
    assert document is not None
    data = json.loads(document)
    exported = _answers_in(data)
    stored = await _stored_answers(service, ALICE)
    assert len(stored) == 5 and sorted(exported) == sorted(stored), "every answer, once"
    assert "ALICE second thoughts, deleted" not in exported, "a withdrawn answer is not exported"
    assert not any("BOB" in text for text in exported), "nobody else's"
    assert data["member"] == {"platform": "console", "id": "alice", "name": "Alice"}
    (interview,) = data["interviews"]
    assert [p["section"] for p in interview["phases"]] == [0, 1]
    assert interview["phases"][1]["question"].startswith("Before we design URL shortener, what problem")
    scope = interview["phases"][1]["card"]
    assert scope is not None and scope["scorer"] == "offline" and 0 <= scope["score"] <= 10
    assert any(v["evidence"] for v in scope["verdicts"]), "verdicts keep their evidence"
    (drill,) = data["drills"]
    assert drill["cards"] and drill["cards"][0]["score"] == drill["score"]
    (daily,) = data["prompts"]
    assert daily["cards"], "the reveal scored the prompt answer"

    markdown = await service.history.document("console", ALICE.user_id, "md")
    assert markdown is not None and markdown.startswith("# Practice transcript: Alice")
    assert all(text.splitlines()[0] in markdown for text in stored)
    assert "BOB" not in markdown
    assert await service.history.document("console", "nobody", "md") is None


async def test_export_sends_both_files_to_the_member_and_history_lists_dates_and_scores(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    assert "Nothing yet" in (await service.handle_command(ctx(), "history")).messages[0].text
    empty = await service.handle_command(ctx(), "export")
    assert empty.messages[0].files == () and "Nothing to export" in empty.messages[0].text
    await _practise(service, chat, clock, ALICE)
    (exported,) = (await service.handle_command(ctx(), "export")).messages
    assert exported.ephemeral
    assert [f.filename for f in exported.files] == ["practice-transcript.md", "practice-transcript.json"]
    assert [f.mime for f in exported.files] == ["text/markdown", "application/json"]
    assert json.loads(exported.files[1].data)["interviews"][0]["scenario"] == "URL shortener"
    assert "1 interviews, 0 daily prompts and 1 drills (4 answers)" in exported.text
    (history,) = (await service.handle_command(ctx(), "history")).messages
    assert history.ephemeral
    day = f"{clock.now():%a %Y-%m-%d}"
    assert f"- {day}: URL shortener, 15 min, ended: *" in history.text
    assert "*Drills* (last 1 of 1):" in history.text and f"- {day}: " in history.text
    assert "/10*" in history.text
