"""Daily prompts: one per channel and local date, posted refs, closing once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.core.records import ChannelMove, DailyPromptDraft, OutboxDraft, Schedule
from bot.core.refs import ChannelRef, MessageRef, ThreadRef
from bot.storage.repository import SqlStore
from tests.leasing import claim, left_over
from tests.storage.conftest import StoreFactory

CHANNEL = ChannelRef("slack", "C1", "T1")
OTHER = ChannelRef("slack", "C2", "T1")
DAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DRAFT = DailyPromptDraft(CHANNEL, DAY, 3, "url-shortener", "3.1", "How would you store the links?",
                         closes_at=NOON + timedelta(hours=12))


def posting(key: str, where: ChannelRef = CHANNEL) -> OutboxDraft:
    return OutboxDraft(where, "prompt text", "prompt", key)


async def test_claim_daily_prompt_once_per_channel_and_date(store: SqlStore) -> None:
    claimed = await store.claim_daily_prompt(DRAFT, outbox=[posting("prompt:C1:2026-03-02")])
    assert claimed is not None
    assert (claimed.channel, claimed.local_date, claimed.section, claimed.scenario_id, claimed.item_id) == (
        CHANNEL, DAY, 3, "url-shortener", "3.1")
    assert (claimed.question, claimed.closes_at, claimed.message, claimed.thread, claimed.closed) == (
        DRAFT.question, DRAFT.closes_at, None, None, False)
    assert await store.get_prompt(claimed.id) == claimed

    again = replace(DRAFT, question="another question")
    assert await store.claim_daily_prompt(again, outbox=[posting("prompt:C1:2026-03-02:again")]) is None
    assert await store.claim_daily_prompt(replace(DRAFT, channel=OTHER), outbox=[]) is not None
    assert await store.claim_daily_prompt(replace(DRAFT, local_date=DAY + timedelta(days=1))) is not None

    rows = await claim(store, NOON)
    assert [(r.dedupe_key, r.subject_id) for r in rows] == [("prompt:C1:2026-03-02", claimed.id)]


async def test_claim_creates_the_channel_row(store: SqlStore) -> None:
    await store.claim_daily_prompt(DRAFT)
    channel = await store.get_channel(CHANNEL)
    assert channel is not None and channel.schedule is None


async def test_one_of_many_concurrent_claims_wins(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    for offset in range(5):
        draft = replace(DRAFT, local_date=DAY + timedelta(days=offset))
        results = await asyncio.gather(
            *(stores[n % 2].claim_daily_prompt(draft, outbox=[posting(f"p{offset}")]) for n in range(4))
        )
        assert sum(r is not None for r in results) == 1
    assert len(await claim(stores[0], NOON, limit=100)) == 5


async def test_recent_and_latest_prompts_newest_first(store: SqlStore) -> None:
    ids = []
    for offset in (0, 1, 2, 5):
        claimed = await store.claim_daily_prompt(replace(DRAFT, local_date=DAY + timedelta(days=offset)))
        assert claimed is not None
        ids.append(claimed.id)
    await store.claim_daily_prompt(replace(DRAFT, channel=OTHER, local_date=DAY + timedelta(days=9)))

    recent = await store.recent_prompts(CHANNEL, since=DAY + timedelta(days=1))
    assert [p.local_date for p in recent] == [DAY + timedelta(days=d) for d in (5, 2, 1)]
    latest = await store.latest_prompt(CHANNEL)
    assert latest is not None and latest.id == ids[-1]
    assert await store.latest_prompt(ChannelRef("slack", "nowhere", "T1")) is None
    assert await store.recent_prompts(ChannelRef("slack", "nowhere", "T1"), since=DAY) == []
    assert await store.get_prompt(10_000) is None


async def test_posted_prompt_is_found_by_thread_and_root_message(store: SqlStore) -> None:
    claimed = await store.claim_daily_prompt(DRAFT)
    assert claimed is not None
    root = MessageRef(CHANNEL, "1709380800.000100")
    thread = ThreadRef(CHANNEL, "1709380800.000100")
    await store.set_prompt_message(claimed.id, message=root, thread=thread)

    by_thread = await store.prompt_by_thread(thread)
    assert by_thread is not None
    assert (by_thread.id, by_thread.message, by_thread.thread) == (claimed.id, root, thread)
    # a root message ref as a button click reports it, with or without its thread
    assert await store.prompt_by_message(root) == by_thread
    assert await store.prompt_by_message(replace(root, thread=thread)) == by_thread
    assert await store.prompt_by_thread(ThreadRef(CHANNEL, "other")) is None
    assert await store.prompt_by_thread(ThreadRef(OTHER, thread.thread_id)) is None
    assert await store.prompt_by_message(MessageRef(CHANNEL, "reply", thread)) is None


async def test_due_closings_are_posted_unclosed_and_due(store: SqlStore) -> None:
    posted_due = await store.claim_daily_prompt(replace(DRAFT, closes_at=NOON - timedelta(hours=1)))
    never_posted = await store.claim_daily_prompt(replace(DRAFT, channel=OTHER, closes_at=NOON))
    posted_later = await store.claim_daily_prompt(replace(DRAFT, local_date=DAY + timedelta(days=1),
                                                          closes_at=NOON + timedelta(seconds=1)))
    assert posted_due and never_posted and posted_later
    for prompt in (posted_due, posted_later):
        thread = ThreadRef(prompt.channel, f"t{prompt.id}")
        await store.set_prompt_message(prompt.id, message=MessageRef(prompt.channel, f"m{prompt.id}"), thread=thread)

    assert [p.id for p in await store.due_prompt_closings(NOON)] == [posted_due.id]
    assert [p.id for p in await store.due_prompt_closings(NOON + timedelta(days=1))] == [posted_due.id,
                                                                                         posted_later.id]

    reveal = OutboxDraft(ThreadRef(CHANNEL, f"t{posted_due.id}"), "Checklist revealed", "reveal", "reveal:1")
    assert await store.claim_prompt_close(posted_due.id, outbox=[reveal])
    assert not await store.claim_prompt_close(posted_due.id, outbox=[replace(reveal, dedupe_key="reveal:again")])
    closed = await store.get_prompt(posted_due.id)
    assert closed is not None and closed.closed
    assert [p.id for p in await store.due_prompt_closings(NOON)] == []
    rows = await claim(store, NOON)
    assert [(r.dedupe_key, r.subject_id, r.target) for r in rows] == [("reveal:1", posted_due.id, reveal.target)]


async def test_closing_has_one_winner_across_processes(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    for offset in range(5):
        prompt = await first.claim_daily_prompt(replace(DRAFT, local_date=DAY + timedelta(days=offset)))
        assert prompt is not None
        results = await asyncio.gather(
            *(s.claim_prompt_close(prompt.id, outbox=[posting(f"reveal:{prompt.id}:{n}")])
              for n, s in enumerate((first, second, first, second)))
        )
        assert sorted(results) == [False, False, False, True]
    assert len(await claim(first, NOON, limit=100)) == 5


async def test_move_channels_advances_and_claims_in_one_go(store: SqlStore) -> None:
    schedule = Schedule(local_time=time(12, 0), timezone="UTC", weekdays=frozenset(range(7)))
    first = await store.save_schedule(CHANNEL, schedule=schedule, next_prompt_at=NOON)
    second = await store.save_schedule(OTHER, schedule=schedule, next_prompt_at=NOON)
    tomorrow = NOON + timedelta(days=1)
    moves = [
        ChannelMove(first.id, NOON, tomorrow, DRAFT, (posting("prompt:C1"),)),
        ChannelMove(second.id, NOON - timedelta(hours=1), tomorrow, replace(DRAFT, channel=OTHER),
                    (posting("prompt:C2", OTHER),)),  # not due from there: another process moved it on
    ]
    assert await store.move_channels(moves) == 1
    assert [c.id for c in await store.due_channels(NOON)] == [second.id]
    assert (await store.recent_prompts(CHANNEL, since=DAY))[0].question == DRAFT.question
    assert await store.recent_prompts(OTHER, since=DAY) == []
    (row,) = await claim(store, NOON, limit=10)
    assert (row.dedupe_key, row.subject_id) == ("prompt:C1", (await store.latest_prompt(CHANNEL)).id)

    # a move without a prompt (a day missed while down) only advances
    assert await store.move_channels([ChannelMove(second.id, NOON, tomorrow)]) == 0
    assert await store.due_channels(NOON) == []


async def test_move_channels_has_one_winner_across_processes(store_factory: StoreFactory) -> None:
    schedule = Schedule(local_time=time(12, 0), timezone="UTC", weekdays=frozenset(range(7)))
    stores = [store_factory(), store_factory()]
    channels = [await stores[0].save_schedule(ChannelRef("slack", f"C{n}", "T1"), schedule=schedule,
                                              next_prompt_at=NOON) for n in range(20)]
    moves = [ChannelMove(c.id, NOON, NOON + timedelta(days=1), replace(DRAFT, channel=c.ref),
                         (posting(f"prompt:{c.ref.channel_id}", c.ref),)) for c in channels]
    claimed = await asyncio.gather(*(stores[n % 2].move_channels(moves[::-1] if n % 2 else moves) for n in range(4)))
    assert sum(claimed) == 20
    assert len(await claim(stores[1], NOON, limit=100)) == 20


async def test_set_prompt_message_can_mark_its_outbox_row_sent(store: SqlStore) -> None:
    claimed = await store.claim_daily_prompt(DRAFT, outbox=[posting("prompt:C1")])
    assert claimed is not None
    (row,) = await claim(store, NOON)
    root = MessageRef(CHANNEL, "1709380800.000100")
    await store.set_prompt_message(claimed.id, message=root, thread=ThreadRef(CHANNEL, root.message_id),
                                   sent_outbox_id=row.id)
    assert (await store.get_prompt(claimed.id)).thread == ThreadRef(CHANNEL, root.message_id)  # type: ignore[union-attr]
    assert await left_over(store, NOON + timedelta(days=1)) == []  # sent, so not even a stale claim takes it
