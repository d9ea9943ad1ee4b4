"""``/practice drill``: a personal prompt from the member's weakest section, in a thread of its own,
answered there, scored at once and counted toward the streak (real storage, recording chat)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.messages import Capabilities, InMessage
from bot.core.progress.stats import ScoreScope
from bot.core.records import AnswerDraft, ItemVerdict, ScoreCard, ScoreDraft
from bot.core.refs import MessageRef, ThreadRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.fakes import RecordingChat
from tests.service.conftest import ALICE, BOB, CHANNEL, START, ServiceFactory, ctx

SCALING_ANSWER = ("Scale horizontally behind a load balancer: stateless app servers, autoscaling on queue length "
                  "with a cooldown, health checks replace broken instances, read replicas for the database.")


async def _scored(service: PracticeService, who: UserRef, section: int, score: float, missed: str, n: int) -> None:
    store = service.store
    at = START - timedelta(days=n + 1)
    answer = await store.record_answer(AnswerDraft(who, f"answer {n}", f"console:seed{who.user_id}{n}", at,
                                                   at.date()))
    assert answer is not None
    verdicts = (ItemVerdict(missed, "missing"),)
    await store.save_score(ScoreDraft(ScoreCard(section, "offline", score, verdicts, "fb"), answer_id=answer.id,
                                      created_at=at))


def reply_in(thread: ThreadRef, user: UserRef, text: str, n: int, clock: FakeClock) -> InMessage:
    ref = MessageRef(thread.channel, f"d{n}", thread)
    return InMessage(ref=ref, author=user, text=text, event_key=f"console:d{n}", sent_at=clock.now())


async def test_a_drill_asks_the_weakest_section_privately_and_scores_each_answer_at_once(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, chat = await make_service(clock)
    await _scored(service, ALICE, 3, 9.0, "s3-platforms", 1)
    await _scored(service, ALICE, 7, 2.0, "s7-horizontal-scaling", 2)
    await _scored(service, ALICE, 7, 4.0, "s7-horizontal-scaling", 3)
    await _scored(service, BOB, 5, 0.0, "s5-x", 1)  # Bob's weak spot is not Alice's

    reply = await service.handle_command(ctx(), "drill")
    (pointer,) = reply.messages
    assert pointer.ephemeral and "direct messages" in pointer.text
    (question,) = chat.private_to(ALICE)
    assert question.title == "Drill: 7. Scalability, Reliability & Performance"
    assert "How would you add capacity by adding machines" in question.text, "the item missed most"
    assert "lowest mean score over the last 90 days (3.0/10 over 2 answers)" in question.text
    (thread,) = chat.threads
    assert thread.channel == chat.private[0].ref.channel, "the thread is on the direct message"
    assert chat.in_channel(CHANNEL) == [], "nothing in the channel"

    answer = reply_in(thread, ALICE, SCALING_ANSWER, 1, clock)
    await service.handle_message(answer)
    await service.handle_message(answer)  # redelivered: one answer, one score
    await service.handle_message(reply_in(thread, BOB, "Bob comments", 2, clock))  # not Bob's drill
    await service.dispatcher.drain()
    assert chat.reactions == [(answer.ref, "white_check_mark")]
    (scored,) = chat.in_thread(thread)
    assert scored.startswith("*Drill scored*") and "/10* on 7. Scalability" in scored and "(offline)" in scored
    assert "[x]" in scored, "the answer covered horizontal scaling"
    drill = await service.store.drill_by_thread(thread)
    assert drill is not None and drill.member == ALICE and drill.section == 7
    answers = await service.store.answers_for_drill(drill.id)
    assert [(a.member.user_id, a.text) for a in answers] == [("alice", SCALING_ANSWER)]
    streak = await service.handle_command(ctx(), "streak")
    assert "Current streak: *1 day*" in streak.messages[0].text

    # the drill's score now counts: section 7's mean went up, so the next drill may aim elsewhere
    facts = await service.store.scored_answers(ScoreScope("console", "W1", member=ALICE),
                                               since=START.date() - timedelta(days=90))
    assert sum(1 for f in facts if f.section == 7) == 3


async def test_without_threads_on_direct_messages_the_drill_opens_its_own_thread_in_the_channel(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = RecordingChat(capabilities=Capabilities(max_text=3000, dm_threads=False))
    service, _ = await make_service(clock, chat=chat)
    reply = await service.handle_command(ctx(), "drill")
    assert reply.messages == (), "the adapter points to the thread it opened"
    assert chat.private == []
    (parent,) = chat.in_channel(CHANNEL)
    assert parent.startswith("Alice is practising a drill on *") and "private thread" in parent
    (thread,) = chat.threads
    (question,) = chat.in_thread(thread)
    assert question.startswith("*Drill: ") and "you have no scored answer in it yet" in question
    await service.handle_message(reply_in(thread, ALICE, SCALING_ANSWER, 1, clock))
    await service.dispatcher.drain()
    assert chat.in_thread(thread)[-1].startswith("*Drill scored*")


async def test_drills_under_one_seed_choose_the_same(make_service: ServiceFactory, clock: FakeClock) -> None:
    picks = []
    for who in (BOB, UserRef("console", "carol", "W1", "Carol")):  # neither has scores or drills yet
        service, chat = await make_service(clock, seed=11)
        await service.handle_command(ctx(who), "drill")
        picks.append(chat.private_to(who)[0].text)
    assert picks[0] == picks[1]
