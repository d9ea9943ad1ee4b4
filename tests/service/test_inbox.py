"""The durable inbox: written before the ack, applied once, done with its effect, taken up again
after a crash by the restarted bot or another replica once the dead process's lease has expired.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess

from sqlalchemy import select

from bot.core.inbox import InboundItem, InboxRecord, message_of, message_payload
from bot.core.leases import LEASE_SECONDS, STARTED_MS, dead_on_this_host, this_process
from bot.core.messages import InMessage
from bot.core.refs import MessageRef, ThreadRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.storage.models import InboxRow
from bot.storage.repository import SqlStore
from tests.service.conftest import ALICE, ServiceFactory, ctx

KIND = "test.message"


def _answer(thread: ThreadRef, n: int, clock: FakeClock, text: str = "We keep it simple: one Postgres.") -> InMessage:
    ref = MessageRef(thread.channel, f"m{n}", thread)
    return InMessage(ref=ref, author=ALICE, text=text, event_key=f"console:inbox:{n}", sent_at=clock.now())


def _item(message: InMessage) -> InboundItem:
    return InboundItem("console", message.event_key, KIND, "thread", message_payload(message), workspace="W1",
                       member=ALICE.user_id)


def _applies_messages(service: PracticeService) -> None:
    async def apply(record: InboxRecord) -> None:
        await service.handle_message(message_of(record.item.payload))

    service.inbox.register(KIND, apply)


async def _rows(service: PracticeService) -> list[tuple[str, str, int]]:
    store = service.store
    assert isinstance(store, SqlStore)
    async with store.engine.connect() as connection:
        found = await connection.execute(select(InboxRow.item_key, InboxRow.state, InboxRow.attempts)
                                         .order_by(InboxRow.id))
        return [(key, state, attempts) for key, state, attempts in found]


async def _interview_thread(service: PracticeService) -> ThreadRef:
    await service.handle_command(ctx(), "interview url-shortener 45")
    await service.dispatcher.drain()
    interview = await service.store.active_interview(ALICE)
    assert interview is not None and interview.thread is not None
    return interview.thread


async def _dies(service: PracticeService) -> None:
    """What a kill -9 leaves: nothing of the process runs any more (no sending loop renews its
    lease), and it gives nothing back."""
    await service.dispatcher.stop()


async def _answers(service: PracticeService) -> list[str]:
    interview = await service.store.active_interview(ALICE)
    assert interview is not None
    return [a.text for a in await service.store.answers_for_phase(interview.id, interview.phase_index)]


async def test_an_item_is_applied_once_and_its_redelivery_is_only_acked(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    service, _ = await make_service(clock)
    _applies_messages(service)
    service.inbox.start()
    thread = await _interview_thread(service)
    message = _answer(thread, 1, clock)
    assert await service.inbox.accept(_item(message)) is True
    assert await service.inbox.accept(_item(message)) is False, "the same platform key: a redelivery"
    await service.inbox.join()
    assert await _answers(service) == [message.text]
    assert await _rows(service) == [(message.event_key, "done", 1)]
    assert (service.inbox.accepted, service.inbox.redelivered) == (1, 1)
    await service.inbox.stop()


async def test_a_burst_is_written_in_a_few_transactions(make_service: ServiceFactory, clock: FakeClock) -> None:
    service, _ = await make_service(clock)
    _applies_messages(service)
    service.inbox.start()
    thread = await _interview_thread(service)
    messages = [_answer(thread, n, clock, text=f"Answer number {n} with a queue.") for n in range(200)]
    taken = await asyncio.gather(*(service.inbox.accept(_item(m)) for m in messages))
    assert all(taken)
    assert service.inbox.writes <= 10, f"group commit: {service.inbox.writes} transactions for 200 items"
    await service.inbox.join()
    assert sorted(await _answers(service)) == sorted(m.text for m in messages), "in arrival order, none lost"
    assert {state for _, state, _ in await _rows(service)} == {"done"}
    await service.inbox.stop()


async def test_killed_between_ack_and_apply_the_restarted_bot_applies_it_once_after_the_lease(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    dead, _ = await make_service(clock)
    _applies_messages(dead)
    thread = await _interview_thread(dead)
    await _dies(dead)
    message = _answer(thread, 1, clock)
    # the lanes never start: the process dies right after the ack, before applying
    assert await dead.inbox.accept(_item(message)) is True
    assert await _rows(dead) == [(message.event_key, "applying", 1)]

    restarted, _ = await make_service(clock)
    _applies_messages(restarted)
    restarted.inbox.start()
    clock.advance(seconds=LEASE_SECONDS - 1)
    assert await restarted.inbox.resume() == 0, "the dead process's lease has not expired yet"
    clock.advance(seconds=2)
    assert await restarted.inbox.resume() == 1
    await restarted.inbox.join()
    assert await _answers(restarted) == [message.text]
    assert await _rows(restarted) == [(message.event_key, "done", 2)]
    assert await restarted.inbox.resume() == 0, "nothing is applied twice"
    await restarted.inbox.stop()


async def test_killed_right_after_the_effect_nothing_is_applied_again(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    dead, _ = await make_service(clock)
    thread = await _interview_thread(dead)
    message = _answer(thread, 1, clock)
    died = asyncio.Event()

    async def answer_then_die() -> None:
        await dead.handle_message(message)
        died.set()
        raise asyncio.CancelledError  # the process is gone before the inbox could mark the row itself

    dead.inbox.start()
    await dead.inbox.accept(_item(message), answer_then_die)
    await died.wait()
    await asyncio.sleep(0)
    assert await _rows(dead) == [(message.event_key, "done", 1)], "marked done in the answer's transaction"
    await _dies(dead)

    replica, _ = await make_service(clock)
    _applies_messages(replica)
    clock.advance(seconds=LEASE_SECONDS + 1)
    assert await replica.inbox.resume() == 0
    assert await _answers(replica) == [message.text]
    await dead.inbox.stop()


async def test_a_steering_word_taken_up_again_moves_the_interview_on_once(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    dead, _ = await make_service(clock)
    thread = await _interview_thread(dead)
    word = _answer(thread, 1, clock, text="next")
    await dead.handle_message(word)  # applied; then the process dies before the inbox marks it
    interview = await dead.store.active_interview(ALICE)
    assert interview is not None and interview.phase_index == 1
    replica, _ = await make_service(clock)
    _applies_messages(replica)
    replica.inbox.start()
    # the same word comes again (the restarted process applies it from its stored row)
    assert await replica.inbox.accept(_item(word)) is True
    await replica.inbox.join()
    again = await replica.store.active_interview(ALICE)
    assert again is not None and again.phase_index == 1, "remembered in the move's own transaction"
    await replica.inbox.stop()


async def test_a_restarted_bot_frees_its_dead_predecessors_lease_and_resumes_at_once(
    make_service: ServiceFactory, clock: FakeClock
) -> None:
    dead_pid = _exited_pid()
    dead, _ = await make_service(clock)
    dead.lease = type(dead.lease)(store=dead.store, clock=clock, holder=f"{socket.gethostname()}:{dead_pid}:1")
    dead.inbox = type(dead.inbox)(store=dead.store, lease=dead.lease, clock=clock)
    _applies_messages(dead)
    thread = await _interview_thread(dead)
    await _dies(dead)
    message = _answer(thread, 1, clock)
    assert await dead.inbox.accept(_item(message)) is True

    restarted, _ = await make_service(clock)
    _applies_messages(restarted)
    restarted.inbox.start()
    assert await restarted.lease.free_dead(dead_on_this_host) >= 1
    assert await restarted.inbox.resume() == 1, "taken up at once, not after the lease's 15 s"
    await restarted.inbox.join()
    assert await _answers(restarted) == [message.text]
    await restarted.inbox.stop()


def _exited_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_which_holders_are_dead_on_this_host() -> None:
    host = socket.gethostname()
    assert dead_on_this_host(f"{host}:{_exited_pid()}:1")
    assert not dead_on_this_host(this_process()), "this process runs"
    assert dead_on_this_host(f"{host}:{os.getpid()}:{STARTED_MS - 1}"), "this pid, an earlier start: a restart"
    assert not dead_on_this_host(f"{host}:{os.getppid()}:1"), "the parent runs"
    assert not dead_on_this_host(f"elsewhere:{_exited_pid()}:1"), "another host's processes are not ours to judge"
    assert not dead_on_this_host("tests"), "a holder name of another shape"
