"""The outbox dispatcher's window: slow sends hold up only their own thread, order per thread holds
across claims, and a daily prompt's root and thread are recorded so a retry never posts it twice."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.core.leases import LEASE_SECONDS
from bot.core.messages import Capabilities, OutMessage
from bot.core.outbox import CLAIM_WINDOW
from bot.core.records import OutboxDraft, OutboxRecord, Schedule
from bot.core.refs import ChannelRef, MessageRef, Target, ThreadRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.fakes import RecordingChat
from tests.leasing import claim, left_over
from tests.service.conftest import CHANNEL, ServiceFactory


@dataclass
class SlowChat(RecordingChat):
    """Sends to ``slow`` wait for ``release``; others take a random moment (so lanes interleave)."""

    slow: set[Target] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    waiting: list[str] = field(default_factory=list)

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        if where in self.slow:
            self.waiting.append(message.text)
            await self.release.wait()
        else:
            await asyncio.sleep(self.rng.random() / 1000)
        return await super().send(where, message)


async def until(condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_a_slow_send_holds_up_only_its_own_thread(make_service: ServiceFactory, clock: FakeClock) -> None:
    stuck = ChannelRef("console", "C-stuck", "W1")
    chat = SlowChat(slow={stuck})
    service, _ = await make_service(clock, chat=chat)
    others = [ChannelRef("console", f"C{n}", "W1") for n in range(3 * CLAIM_WINDOW)]
    await service.store.enqueue(
        [OutboxDraft(stuck, "stuck 0", "notice", "stuck-0"), OutboxDraft(stuck, "stuck 1", "notice", "stuck-1")]
        + [OutboxDraft(where, f"to {where.channel_id}", "notice", f"n-{where.channel_id}") for where in others]
    )
    service.dispatcher.kick()
    # Three windows' worth of rows go out while the first row claimed still waits.
    await until(lambda: len(chat.sent) == len(others))
    assert chat.in_channel(stuck) == []
    assert service.dispatcher.busy

    chat.release.set()
    await service.dispatcher.drain()
    assert chat.in_channel(stuck) == ["stuck 0", "stuck 1"]
    assert await left_over(service.store, clock.now()) == []


async def test_each_threads_rows_go_out_in_order_across_claims(make_service: ServiceFactory, clock: FakeClock) -> None:
    chat = SlowChat()
    service, _ = await make_service(clock, chat=chat)
    threads = [ThreadRef(CHANNEL, f"t{n}") for n in range(5)]
    drafts = [OutboxDraft(threads[n % 5], f"{n % 5}:{n // 5}", "notice", f"row-{n}") for n in range(4 * CLAIM_WINDOW)]
    await service.store.enqueue(drafts)
    await service.dispatcher.flush()

    seen: dict[Target, list[int]] = defaultdict(list)
    for sent in chat.sent:
        seen[sent.where].append(int(sent.message.text.split(":")[1]))
    assert {where: numbers for where, numbers in seen.items()} == {
        thread: list(range(4 * CLAIM_WINDOW // 5)) for thread in threads
    }


async def test_a_flush_during_a_fan_out_waits_for_the_rows_it_asked_for(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = SlowChat()
    service, _ = await make_service(clock, chat=chat)
    await service.store.enqueue([OutboxDraft(ChannelRef("console", f"D{n}", "W1"), "x", "notice", f"a-{n}")
                                 for n in range(2 * CLAIM_WINDOW)])
    service.dispatcher.kick()
    await asyncio.sleep(0)
    await service.store.enqueue([OutboxDraft(CHANNEL, "late row", "notice", "late")])
    await service.dispatcher.flush()
    assert chat.in_channel(CHANNEL) == ["late row"]
    assert len(chat.sent) == 2 * CLAIM_WINDOW + 1


@dataclass
class FlakyThreadsChat(RecordingChat):
    """Opening a thread fails ``fail_threads`` times (a platform whose threads are API calls)."""

    fail_threads: int = 1

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        if self.fail_threads:
            self.fail_threads -= 1
            raise ConnectionError("thread creation failed")
        return await super().start_thread(root, title)


async def _schedule_now(clock: FakeClock, service: PracticeService) -> None:
    schedule = Schedule(local_time=clock.now().time(), timezone="UTC", weekdays=frozenset(range(7)))
    await service.store.save_schedule(CHANNEL, schedule=schedule, next_prompt_at=clock.now())


async def test_a_failed_thread_opening_is_retried_without_posting_the_prompt_again(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = FlakyThreadsChat()
    service, _ = await make_service(clock, chat=chat)
    await _schedule_now(clock, service)
    await service.tick()
    await service.dispatcher.drain()
    assert len(chat.in_channel(CHANNEL)) == 1 and chat.threads == []

    clock.advance(minutes=1)  # the failed row's retry is due after its backoff
    await service.tick()
    await service.dispatcher.drain()
    assert len(chat.in_channel(CHANNEL)) == 1  # the prompt itself went out once
    prompt = await service.store.latest_prompt(CHANNEL)
    assert prompt is not None and prompt.thread == chat.threads[0]
    assert prompt.message == chat.sent[0].ref


async def test_where_a_thread_is_its_root_one_write_records_both(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = RecordingChat(capabilities=Capabilities(thread_is_root=True))
    service, _ = await make_service(clock, chat=chat)
    await _schedule_now(clock, service)
    await service.tick()
    prompt = await service.store.latest_prompt(CHANNEL)
    assert prompt is not None and prompt.message == chat.sent[0].ref and prompt.thread == chat.threads[0]
    assert await left_over(service.store, clock.now()) == []


async def test_an_interview_message_does_not_queue_behind_a_fan_out(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = SlowChat()
    service, _ = await make_service(clock, chat=chat)
    fan_out = 4 * CLAIM_WINDOW
    await service.store.enqueue([OutboxDraft(ChannelRef("console", f"D{n}", "W1"), f"prompt {n}", "prompt", f"p-{n}")
                                 for n in range(fan_out)])
    service.dispatcher.kick()
    await until(lambda: len(chat.sent) >= 10)
    thread = ThreadRef(CHANNEL, "interview")
    sent_before = len(chat.sent)  # however far the fan-out got while this test was waking up
    await service.store.enqueue([OutboxDraft(thread, "Time is up for this section.", "nudge", "nudge")])
    await service.dispatcher.flush()

    texts = [s.message.text for s in chat.sent]
    assert len(texts) == fan_out + 1
    # Only rows already claimed (a window in flight, and one claim under way) may go before it.
    assert texts.index("Time is up for this section.") - sent_before < 2 * CLAIM_WINDOW, \
        "claimed before the waiting prompts"


async def test_a_reply_does_not_wait_for_a_fan_out_going_on(make_service: ServiceFactory, clock: FakeClock) -> None:
    channels = [ChannelRef("console", f"D{n}", "W1") for n in range(50)]
    chat = SlowChat(slow=set(channels))  # every prompt send hangs until released
    service, _ = await make_service(clock, chat=chat)
    await service.store.enqueue([OutboxDraft(where, "prompt", "prompt", f"p-{where.channel_id}") for where in channels])
    service.dispatcher.kick()
    thread = ThreadRef(CHANNEL, "interview")
    await service.store.enqueue([OutboxDraft(thread, "Next phase", "phase", "phase")])

    await asyncio.wait_for(service.dispatcher.flush(bulk=False), timeout=5)
    assert chat.in_thread(thread) == ["Next phase"]
    assert all(not chat.in_channel(where) for where in channels)

    chat.release.set()
    await asyncio.wait_for(service.dispatcher.flush(), timeout=5)
    assert all(chat.in_channel(where) == ["prompt"] for where in channels)


async def test_a_database_error_reaches_the_flush_and_the_next_flush_recovers(
    make_service: ServiceFactory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, chat = await make_service(clock)
    await service.store.enqueue([OutboxDraft(CHANNEL, "hello", "notice", "hello")])
    claim = service.store.claim_outbox

    async def broken(*args: object, **kwargs: object) -> list[OutboxRecord]:
        monkeypatch.setattr(service.store, "claim_outbox", claim)
        raise ConnectionError("database went away")

    monkeypatch.setattr(service.store, "claim_outbox", broken)
    with pytest.raises(ConnectionError):
        await service.dispatcher.flush()
    assert chat.in_channel(CHANNEL) == []
    await service.dispatcher.flush()
    assert chat.in_channel(CHANNEL) == ["hello"]


async def test_stopping_finishes_what_is_being_sent_and_hands_the_rest_back(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    stuck = ChannelRef("console", "C-stuck", "W1")
    chat = SlowChat(slow={stuck})
    service, _ = await make_service(clock, chat=chat)
    await service.store.enqueue([OutboxDraft(stuck, f"row {n}", "notice", f"row-{n}") for n in range(3)])
    service.dispatcher.kick()
    await until(lambda: chat.waiting == ["row 0"])

    stopping = asyncio.create_task(service.dispatcher.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done(), "the row being sent is let finish"
    chat.release.set()
    await asyncio.wait_for(stopping, timeout=5)

    assert chat.in_channel(stuck) == ["row 0"]
    await asyncio.wait_for(service.dispatcher.flush(), timeout=1)  # stopped: returns, sends nothing
    assert chat.in_channel(stuck) == ["row 0"]
    handed_back = await claim(service.store, clock.now(), limit=10)  # at once, not when the lease expires
    assert [(r.text, r.attempts) for r in handed_back] == [("row 1", 1), ("row 2", 1)]


@dataclass
class FailsOnceChat(RecordingChat):
    """The first send of ``failing`` fails (a timeout, a 5xx the client gave up on)."""

    failing: str = ""

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        if message.text == self.failing:
            self.failing = ""
            raise ConnectionError("the platform timed out")
        return await super().send(where, message)


async def test_a_later_row_of_a_thread_never_overtakes_one_waiting_for_its_retry(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = FailsOnceChat(failing="phase 1")
    service, _ = await make_service(clock, chat=chat)
    thread, other = ThreadRef(CHANNEL, "t1"), ThreadRef(CHANNEL, "t2")
    await service.store.enqueue([OutboxDraft(thread, f"phase {n}", "notice", f"p{n}") for n in range(4)]
                                + [OutboxDraft(other, "elsewhere", "notice", "o1")])
    await service.dispatcher.flush()
    assert chat.in_thread(thread) == ["phase 0"]  # 1 failed; 2 and 3 wait behind it
    assert chat.in_thread(other) == ["elsewhere"]  # other threads are not held up
    await service.store.enqueue([OutboxDraft(thread, "phase 4", "notice", "p4")])
    await service.dispatcher.flush()
    assert chat.in_thread(thread) == ["phase 0"]
    clock.advance(seconds=10)  # the retry is due (5 s after the first attempt)
    await service.dispatcher.flush()
    assert chat.in_thread(thread) == ["phase 0", "phase 1", "phase 2", "phase 3", "phase 4"]
    assert await left_over(service.store, clock.now()) == []


@dataclass
class LostAnswerChat(RecordingChat):
    """The platform posts ``lost`` but the answer never arrives (a timeout after it accepted)."""

    lost: str = ""

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        ref = await super().send(where, message)
        if message.text == self.lost:
            self.lost = ""
            raise TimeoutError("no answer from the platform")
        return ref


async def test_a_post_the_platform_took_before_its_answer_was_lost_is_not_posted_again(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = LostAnswerChat(lost="phase 1")
    service, _ = await make_service(clock, chat=chat)
    thread = ThreadRef(CHANNEL, "t1")
    await service.store.enqueue([OutboxDraft(thread, f"phase {n}", "notice", f"iv:1:open:{n}") for n in range(3)])
    await service.dispatcher.flush()
    assert chat.in_thread(thread) == ["phase 0", "phase 1"]  # 1 is posted, but the bot does not know it
    assert [s.message.key for s in chat.sent] == ["iv:1:open:0", "iv:1:open:1"]
    clock.advance(seconds=10)
    await service.dispatcher.flush()
    assert chat.in_thread(thread) == ["phase 0", "phase 1", "phase 2"]  # found in the history, not re-posted
    assert await left_over(service.store, clock.now()) == []


async def test_a_daily_prompt_posted_before_a_crash_is_found_and_its_thread_recorded(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    chat = LostAnswerChat(capabilities=Capabilities(thread_is_root=True))
    service, _ = await make_service(clock, chat=chat)
    await _schedule_now(clock, service)
    killed, _ = await make_service(clock, chat=chat)  # the process that will die: its own loop never runs
    await killed.dispatcher.stop()
    await killed.prompts.fan_out(clock.now())
    dead = await service.store.take_lease("killed", now=clock.now(), expires_at=clock.now() + timedelta(seconds=15))
    [row] = await service.store.claim_outbox(clock.now(), lease=dead)
    # The killed process had posted the prompt (with its key) and died before recording it.
    posted = await chat.send(row.target, OutMessage(text="Daily practice (before the crash)", key=row.dedupe_key))
    clock.advance(seconds=LEASE_SECONDS + 1)
    await service.dispatcher.flush()
    prompt = await service.store.latest_prompt(CHANNEL)
    assert prompt is not None and prompt.message == posted and prompt.thread == chat.threads[0]
    assert [s.message.text for s in chat.sent] == ["Daily practice (before the crash)"]
