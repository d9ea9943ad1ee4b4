"""Forget-me in storage: every row about a person goes in one transaction, on SQLite and PostgreSQL.

Two guards keep it complete as the schema grows:

* ``test_every_table_and_column_is_accounted_for`` reads the SQLAlchemy metadata: a table, or a
  column of a table that outlives members, missing from ``bot.storage.members``' plan fails it;
  ``test_the_check_finds_a_new_table_that_points_at_members`` shows it failing on a made-up
  table of made-up ratings between members;
* ``test_forgetting_leaves_no_trace_in_any_table`` fills every table (it fails if a table has no
  rows, so a new table must be filled here too), forgets one person and then reads every column
  of every row for anything of theirs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, insert, select

from bot.core.inbox import InboundItem
from bot.core.members import Forgetting
from bot.core.pairing import PlannedPair, RoundClaim
from bot.core.pairing.rules import PastRound
from bot.core.records import (
    AnswerDraft,
    DailyPromptDraft,
    DrillDraft,
    InterviewChanges,
    InterviewDraft,
    ItemVerdict,
    OutboxDraft,
    Pause,
    Phase,
    Schedule,
    ScoreCard,
    ScoreDraft,
)
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef
from bot.scheduling.clock import FakeClock
from bot.storage.members import DELETED_WITH_MEMBER, KEPT_COLUMNS
from bot.storage.models import Base, slack_bots, slack_installations, slack_oauth_states
from bot.storage.repository import SqlStore
from tests.leasing import held_lease

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C0PRACTICE", "T1")
ADA = UserRef("slack", "U0ADA", "T1", "Ada Lovelace")
ADA_ELSEWHERE = UserRef("slack", "U0ADA", "T2", "Ada Lovelace")  # the same account in a second workspace
BOB = UserRef("slack", "U0BOB", "T1", "Bob Builder")
ADA_MARKERS = ("U0ADA", "Ada Lovelace", "ADA-ANSWER", "ada-thread")
"""Everything that would show Ada is still there: her id, her name, her answers' text, her thread."""
PHASES = (Phase(0, 60), Phase(1, 300))


# ----------------------------------------------------------------------------- the plan vs the metadata
def _names(spec: str) -> set[str]:
    return {name.strip() for name in spec.split(",")}


def _reaches(table: Table, target: str, metadata: MetaData, seen: frozenset[str] = frozenset()) -> bool:
    """Some foreign key path leads from ``table`` to ``target``."""
    for fk in table.foreign_keys:
        referred = metadata.tables[fk.column.table.name]
        if referred.name == target or (
            referred.name not in seen and _reaches(referred, target, metadata, seen | {table.name})
        ):
            return True
    return False


def plan_problems(
    metadata: MetaData, deleted: dict[str, str], kept: dict[str, dict[str, str]]
) -> list[str]:
    """What forget-me's plan misses in ``metadata``: empty when every table and column is accounted for."""
    problems = []
    tables = metadata.tables
    for name in sorted(set(deleted) | set(kept)):
        if name not in tables:
            problems.append(f"the plan names {name!r}, which is not a table any more")
    for name, table in sorted(tables.items()):
        if name in deleted and name in kept:
            problems.append(f"{name}: both deleted with the member and kept")
        elif name in deleted:
            for column in _names(deleted[name]):
                if column not in table.c:
                    problems.append(f"{name}.{column}: no such column ties rows to their member")
                elif name != "member" and not any(
                    fk.column.table.name == "member" or _reaches(fk.column.table, "member", metadata)
                    for fk in table.c[column].foreign_keys
                ):
                    problems.append(f"{name}.{column}: no foreign key path to member")
        elif name in kept:
            columns = kept[name]
            listed = set().union(*(_names(spec) for spec in columns)) - {"*"}
            if "*" not in columns:
                for column in table.c:
                    if column.name not in listed:
                        problems.append(f"{name}.{column.name}: not accounted for by forget-me")
            for column_name in sorted(listed - set(table.c.keys())):
                problems.append(f"{name}.{column_name}: the plan names a column that does not exist")
            if _reaches(table, "member", metadata):
                problems.append(f"{name}: points at members (directly or through their rows) but is kept")
        else:
            problems.append(f"{name}: a table forget-me knows nothing about")
    return problems


def test_every_table_and_column_is_accounted_for() -> None:
    assert plan_problems(Base.metadata, DELETED_WITH_MEMBER, KEPT_COLUMNS) == []
    assert set(DELETED_WITH_MEMBER) == {"member", "practice_day", "answer", "interview", "score", "peer_mark",
                                        "drill", "member_pause", "pairing_member", "pairing_pair"}


def test_the_check_finds_a_new_table_that_points_at_members() -> None:
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("peer_rating", metadata, Column("id", Integer, primary_key=True),
          Column("interviewer_id", Integer, ForeignKey("member.id")), Column("note", Text))
    metadata.tables["outbox"].append_column(Column("recipient", Text))
    assert plan_problems(metadata, DELETED_WITH_MEMBER, KEPT_COLUMNS) == [
        "outbox.recipient: not accounted for by forget-me",
        "peer_rating: a table forget-me knows nothing about",
    ]
    kept_marks = {**KEPT_COLUMNS, "peer_rating": {"*": "wrongly thought harmless"}}
    assert "peer_rating: points at members (directly or through their rows) but is kept" in plan_problems(
        metadata, DELETED_WITH_MEMBER, kept_marks)
    deleted_marks = {**DELETED_WITH_MEMBER, "peer_rating": "note"}
    assert "peer_rating.note: no foreign key path to member" in plan_problems(metadata, deleted_marks, KEPT_COLUMNS)


# ----------------------------------------------------------------------------- a full database
def _card(section: int, evidence: str) -> ScoreCard:
    return ScoreCard(section=section, scorer="offline", score=6.0,
                     verdicts=(ItemVerdict("item-1", "covered", evidence),), feedback=f"Good: {evidence}")


async def _practise(store: SqlStore, who: UserRef, tag: str, *, prompt_id: int, day: int) -> None:
    """A person's whole footprint: prompt answers on two days with scores, an interview with its
    outbox rows, answers and a phase score, and button clicks remembered."""
    at = START + timedelta(days=day)
    for offset in (0, 1):
        when = at + timedelta(days=offset)
        answer = await store.record_answer(AnswerDraft(
            who, f"{tag}-ANSWER on day {offset}: caches first", f"slack:T1:C0PRACTICE:{tag}.{day}.{offset}",
            when, when.date(), MessageRef(CHANNEL, f"{tag}.{day}.{offset}", ThreadRef(CHANNEL, "prompt-thread")),
            prompt_id=prompt_id,
        ))
        assert answer is not None
        await store.save_score(ScoreDraft(_card(1, f"{tag}-ANSWER quote"), answer_id=answer.id, created_at=when))
    thread = ThreadRef(CHANNEL, f"{tag.lower()}-thread-{day}")
    interview = await store.create_interview(
        InterviewDraft(CHANNEL, who, "url-shortener", 15, PHASES, at),
        changes=InterviewChanges(status="active", phase_index=0, phase_started_at=at,
                                 phase_deadline_at=at + timedelta(minutes=1), thread=thread),
        outbox=lambda _: [OutboxDraft(thread, "phase 0", "phase", f"iv:{tag}{day}:open:0", payload="0")],
    )
    assert interview is not None
    answer = await store.record_answer(AnswerDraft(
        who, f"{tag}-ANSWER in the interview", f"slack:T1:C0PRACTICE:{tag}.iv.{day}", at, at.date(),
        MessageRef(CHANNEL, f"{tag}.iv.{day}", thread), interview_id=interview.id, phase_index=0,
    ))
    assert answer is not None
    await store.save_score(ScoreDraft(_card(0, f"{tag}-ANSWER"), interview_id=interview.id, phase_index=0,
                                      created_at=at))
    moved = await store.transition_interview(
        interview.id, expected_version=1, changes=InterviewChanges(hints_used=("item-1",)),
        outbox=[OutboxDraft(thread, "Hint: think about caches", "notice", f"iv:{tag}{day}:hint")],
    )
    assert moved is not None
    await store.enqueue([OutboxDraft(thread, "No more hints", "notice", f"iv:{tag}{day}:nohint")])
    assert await store.remember_event("slack", f"slack:T1:action:{who.user_id}:{day}.000100", now=at)
    assert await store.remember_event("slack", f"slack:T1:action:{who.user_id}:{day}.000200", now=at)
    drill_thread = ThreadRef(CHANNEL, f"{tag.lower()}-drill-{day}")
    drill = await store.create_drill(DrillDraft(who, CHANNEL, 7, "url-shortener", "item-1", "How would it scale?",
                                                drill_thread, at))
    answer = await store.record_answer(AnswerDraft(
        who, f"{tag}-ANSWER in a drill", f"slack:T1:D0:{tag}.drill.{day}", at, at.date(),
        MessageRef(CHANNEL, f"{tag}.drill.{day}", drill_thread), drill_id=drill.id,
    ))
    assert answer is not None
    await store.save_score(ScoreDraft(_card(7, f"{tag}-ANSWER drill quote"), answer_id=answer.id, created_at=at))
    await store.enqueue([OutboxDraft(drill_thread, "Drill scored", "drill_score", f"drill:{drill.id}:{answer.id}",
                                     payload=str(answer.id), subject_id=drill.id)])
    # the thread message that brought the answer, as the inbox keeps it for an hour
    await store.accept_inbound([InboundItem(
        "slack", f"slack:{who.workspace}:event:Ev{tag}{day}", "slack.message", f"thread:{thread.thread_id}",
        {"event": {"user": who.user_id, "text": f"{tag}-ANSWER in the interview"}}, workspace=who.workspace,
        member=who.user_id)], lease=await held_lease(store), now=at)


async def _peer_mocks(store: SqlStore) -> None:
    """Ada interviews Bob (marks and a note), then Bob interviews Ada (his marks on her interview)."""
    for candidate, interviewer, tag in ((BOB, ADA, "bob-peer"), (ADA, BOB, "ada-thread-peer")):
        thread = ThreadRef(CHANNEL, tag)
        running = await store.active_interview(candidate)
        assert running is not None
        await store.transition_interview(running.id, expected_version=running.version,
                                         changes=InterviewChanges(status="ended", clear_deadlines=True))
        peer = await store.create_interview(
            InterviewDraft(CHANNEL, candidate, "url-shortener", 15, PHASES, START, interviewer=interviewer),
            changes=InterviewChanges(status="active", phase_index=0, phase_started_at=START,
                                     phase_deadline_at=START + timedelta(minutes=1), thread=thread),
        )
        assert peer is not None and peer.interviewer == interviewer
        assert await store.save_mark(peer.id, phase_index=0, item_id="s0-interview-vs-reality", mark="covered",
                                     at=START)
        await store.save_interviewer_note(peer.id, f"Note by {interviewer.display_name}")


async def _pairing(store: SqlStore) -> None:
    """Ada and Bob joined weekly pairing and were paired (a pair, its two private messages, Ada the odd one once)."""
    pairing = await store.save_pairing(CHANNEL, weekday=0, local_time=datetime.min.time(), timezone="UTC",
                                       odd_policy="trio", enabled=True, next_round_at=START)
    for who in (ADA, BOB):
        assert await store.set_pairing_member(pairing.id, who, joined=True, now=START)
    ids = {m.user.user_id: m.member_id for m in await store.pairing_members(pairing.id)}
    made = await store.claim_round(RoundClaim(
        pairing_id=pairing.id, expected_next_at=START, next_round_at=START + timedelta(weeks=1),
        local_date=START.date(), remind_at=START + timedelta(days=3),
        pairs=(PlannedPair((ids["U0ADA"], ids["U0BOB"]), "url-shortener"),), odd_id=ids["U0ADA"],
        purpose="pairing"))
    assert made is not None and len(made) == 1


async def _fill(store: SqlStore) -> int:
    """Ada (in two workspaces) and Bob practise on one channel's daily prompt; returns the prompt id."""
    await store.save_schedule(CHANNEL, schedule=Schedule(datetime.min.time(), "UTC"), next_prompt_at=START)
    prompt = await store.claim_daily_prompt(
        DailyPromptDraft(CHANNEL, date(2026, 3, 2), 1, "url-shortener", "item-1", "How would you cache?",
                         START + timedelta(hours=8)),
        outbox=[OutboxDraft(CHANNEL, "How would you cache?", "prompt", "prompt:C0PRACTICE:2026-03-02")],
    )
    assert prompt is not None
    await store.set_prompt_message(prompt.id, message=MessageRef(CHANNEL, "prompt-root"),
                                   thread=ThreadRef(CHANNEL, "prompt-thread"))
    await store.claim_prompt_close(prompt.id, outbox=[
        OutboxDraft(ThreadRef(CHANNEL, "prompt-thread"), "Checklist revealed", "reveal", f"prompt:{prompt.id}:reveal")])
    await store.ensure_member(ADA, timezone="Europe/London")
    await _practise(store, ADA, "ADA", prompt_id=prompt.id, day=0)
    await _practise(store, ADA_ELSEWHERE, "ADA", prompt_id=prompt.id, day=3)
    await _practise(store, BOB, "BOB", prompt_id=prompt.id, day=0)
    await _peer_mocks(store)
    for who in (ADA, BOB):  # a pause each: Ada's goes with her, Bob's stays
        await store.start_pause(who, Pause(date(2026, 3, 4), date(2026, 3, 6)), now=START)
    await _pairing(store)
    assert await store.remember_event("slack", "slack:T1:C0PRACTICE:1712345678.000100", now=START)
    assert await store.remember_event("discord", "discord:interaction:99", now=START)
    await store.take_lease("bot-host:4242", now=START, expires_at=START + timedelta(seconds=15))
    async with store.engine.begin() as connection:  # what slack_sdk's stores write for an install by Ada
        installed = datetime(2026, 3, 1, 9, 0)  # slack_sdk stores naive UTC
        await connection.execute(insert(slack_installations).values(
            client_id="1.2", app_id="A1", team_id="T1", bot_token="xoxb-t1", bot_id="B1", bot_user_id="U0BOT",
            user_id="U0ADA", user_token="xoxp-ada", user_scopes="identify", is_enterprise_install=False,
            installed_at=installed))
        await connection.execute(insert(slack_bots).values(
            client_id="1.2", app_id="A1", team_id="T1", bot_token="xoxb-t1", bot_id="B1", bot_user_id="U0BOT",
            is_enterprise_install=False, installed_at=installed))
        await connection.execute(insert(slack_oauth_states).values(state="s1", expire_at=installed))
    return prompt.id


async def _dump(store: SqlStore) -> dict[str, list[dict[str, Any]]]:
    async with store.engine.connect() as connection:
        return {
            name: [dict(row._mapping) for row in await connection.execute(select(table))]
            for name, table in Base.metadata.tables.items()
        }


def _traces(dump: dict[str, list[dict[str, Any]]], markers: tuple[str, ...]) -> list[str]:
    found = []
    for table, rows in dump.items():
        for row in rows:
            for column, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                found += [f"{table}.{column}: {marker}" for marker in markers if marker in text]
    return found


async def test_forgetting_leaves_no_trace_in_any_table(store: SqlStore) -> None:
    prompt_id = await _fill(store)
    before = await _dump(store)
    assert [name for name, rows in before.items() if not rows] == [], "fill every table: a new one too"
    assert _traces(before, ADA_MARKERS), "the markers find Ada before she is forgotten"
    ada_ids = {row["id"] for row in before["member"] if row["external_id"] == "U0ADA"}
    ada_interviews = {row["id"] for row in before["interview"] if row["candidate_id"] in ada_ids}
    ada_answers = {row["id"] for row in before["answer"] if row["member_id"] in ada_ids}

    report = await store.forget_member("slack", "U0ADA")

    after = await _dump(store)
    assert _traces(after, ADA_MARKERS) == []
    for table in Base.metadata.tables.values():
        for row in after[table.name]:
            for column in table.c:
                for fk in column.foreign_keys:
                    gone = {"member": ada_ids, "interview": ada_interviews, "answer": ada_answers}
                    assert row[column.name] not in gone.get(fk.column.table.name, set()), (table.name, column.name)
    assert (report.members, report.answers, report.scores, report.interviews, report.practice_days,
            report.events, report.outbox, report.marks, report.drills, report.inbox, report.pauses,
            report.pairing, report.installs) == (2, 8, 8, 3, 4, 4, 8, 2, 2, 2, 1, 2, 1)
    [install] = after["slack_installations"]
    assert (install["user_id"], install["user_token"], install["bot_token"]) == ("", None, "xoxb-t1")
    assert report.total == sum(len(before[t]) - len(after[t]) for t in before)
    # keys that do not name her, and everything of Bob's, stay
    assert {row["event_key"] for row in after["processed_event"]} == {
        "slack:T1:action:U0BOB:0.000100", "slack:T1:action:U0BOB:0.000200",
        "slack:T1:C0PRACTICE:1712345678.000100", "discord:interaction:99"}
    assert [a.member for a in await store.answers_for_prompt(prompt_id)] == [BOB, BOB]
    streak = await store.get_streak(BOB)
    assert streak is not None and (streak.total_days, streak.current) == (2, 2)
    assert await store.get_streak(ADA) is None and await store.get_streak(ADA_ELSEWHERE) is None
    for workspace, left in (("T1", [BOB]), ("T2", [])):
        board = await store.leaderboard(platform="slack", workspace=workspace, window="all", today=date(2026, 3, 6))
        assert [entry.member for entry in board] == left
    bobs = await store.active_interview(BOB)
    assert bobs is not None and bobs.interviewer is None and await store.active_interview(ADA) is None
    assert await store.interviewer_note(bobs.id) is None and await store.marks_for_interview(bobs.id) == {}
    assert len(after["outbox"]) == len(before["outbox"]) - 8
    assert {row["member_id"] for row in after["drill"]} <= {row["id"] for row in after["member"]}
    assert len(after["channel"]) == 1 and len(after["daily_prompt"]) == 1
    assert await store.member_pauses(BOB, ending_from=date(2026, 3, 1)) == [Pause(date(2026, 3, 4), date(2026, 3, 6))]
    pairing = await store.get_pairing(CHANNEL)
    assert pairing is not None and [m.user for m in await store.pairing_members(pairing.id)] == [BOB]
    assert await store.past_rounds(pairing.id, limit=5) == [PastRound((), None)]  # the round stays, its pair went

    assert await store.forget_member("slack", "U0ADA") == type(report)(), "forgetting twice finds nothing"


async def test_only_the_platform_asked_about_is_forgotten(store: SqlStore) -> None:
    same_id_on_discord = UserRef("discord", "U0ADA", "G1", "Ada Lovelace")
    await store.ensure_member(ADA)
    await store.ensure_member(same_id_on_discord)
    assert await store.remember_event("discord", "discord:G1:action:U0ADA:1", now=START)
    report = await store.forget_member("slack", "U0ADA")
    assert (report.members, report.events) == (1, 0)
    assert await store.get_member(same_id_on_discord) is not None
    assert not await store.remember_event("discord", "discord:G1:action:U0ADA:1", now=START), "still remembered"


async def test_event_keys_name_a_person_only_as_a_whole_part(store: SqlStore) -> None:
    keys = ["slack:T1:action:U_1%:5", "slack:T1:action:UX1%:5", "slack:T1:action:U_1%", "slack:T1:action:U_1%x:5"]
    for key in keys:
        assert await store.remember_event("slack", key, now=START)
    report = await store.forget_member("slack", "U_1%")  # LIKE's wildcards in an id match only themselves
    assert report.events == 2
    assert [await store.remember_event("slack", key, now=START) for key in keys] == [True, False, True, False]


async def test_forget_me_is_logged_as_an_event_without_personal_data(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    await _fill(store)
    with caplog.at_level(logging.DEBUG, logger="bot"):  # the bot's own log (drivers' DEBUG logs echo SQL)
        report = await Forgetting(store=store, clock=FakeClock(START)).forget("slack", "U0ADA")
    [event] = [r for r in caplog.records if getattr(r, "event", None) == "member.forgotten"]
    assert (event.platform, event.rows) == ("slack", report.total)  # type: ignore[attr-defined]
    assert event.getMessage().startswith("forget-me on slack: 46 rows deleted")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("bot"))
    assert [marker for marker in ADA_MARKERS if marker in logged] == []


async def test_an_answer_recorded_while_forgetting_is_either_gone_or_starts_afresh(
    store: SqlStore, store_factory: Any
) -> None:
    other = store_factory()  # another process, on its own pool
    for round_number in range(15):
        day = START + timedelta(days=round_number)
        for n in range(3):
            assert await store.record_answer(AnswerDraft(
                ADA, f"ADA-ANSWER {n}", f"k:{round_number}:{n}", day, day.date())) is not None
        racing = AnswerDraft(ADA, "ADA-ANSWER racing", f"k:{round_number}:race", day, day.date())
        _, recorded = await asyncio.gather(store.forget_member("slack", "U0ADA"), other.record_answer(racing))
        streak = await store.get_streak(ADA)
        dump = await _dump(store)
        texts = [row["text"] for row in dump["answer"]]
        if streak is None:  # the answer went with her
            assert texts == [] and dump["practice_day"] == []
        else:  # recorded just after: a new record holding that answer alone
            assert recorded is not None and texts == ["ADA-ANSWER racing"]
            assert (streak.total_days, streak.current) == (1, 1) and len(dump["practice_day"]) == 1
        await store.forget_member("slack", "U0ADA")
