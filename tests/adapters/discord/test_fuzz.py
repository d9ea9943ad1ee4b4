"""Hostile gateway payloads fed through the client's own parsers (``ConnectionState.parsers``, what
the gateway calls), on SQLite and PostgreSQL: slash commands, button clicks and thread messages
with missing, mistyped and huge fields and text from every unicode category. Checked: no traceback
in any log, every well-formed answer recorded (normalised), and a normal command still answered."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.normalise import fit_answer
from tests.adapters.discord.harness import ALICE, EVERYONE_PERMISSIONS, DiscordHarness
from tests.adapters.discord.test_interviews import start
from tests.adapters.hostile import MISSING, KeptRecords, fuzz, json_value, maybe, text

DISCORD_TASKS = ("discord.py:", "CommandTree", "discord-ui")
odd_snowflakes = st.one_of(st.sampled_from(["", "abc", "-1", "1" * 30, "1e9", "١٢٣"]), st.integers(), json_value)


@pytest.fixture
def db_url(database_url: str) -> str:
    """The harness's database: SQLite and PostgreSQL (overrides the SQLite-only one)."""
    return database_url


@pytest.fixture
def records() -> Iterator[KeptRecords]:
    kept = KeptRecords()
    logging.getLogger().addHandler(kept)
    yield kept
    logging.getLogger().removeHandler(kept)


def mutated(draw: st.DrawFn, payload: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    hostile = copy.deepcopy(payload)
    for field in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
        value = draw(st.one_of(odd_snowflakes, json_value, st.just(MISSING)))
        if value is MISSING:
            hostile.pop(field, None)
        else:
            hostile[field] = value
    return hostile


@st.composite
def interactions(draw: st.DrawFn, harness: DiscordHarness, interview_id: int) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["slash", "button"]))
    if kind == "slash":
        sub = draw(maybe("interview", st.sampled_from(["streak", "section", "schedule", "nope", ""]) | text))
        options = {name: draw(st.one_of(text, st.integers(), st.sampled_from(["url-shortener", "Mars/Base", "45"])))
                   for name in draw(st.lists(st.sampled_from(["scenario", "minutes", "number", "time",
                                                              "timezone", "weekdays"]), max_size=3, unique=True))}
        payload = harness.slash_payload(sub if isinstance(sub, str) and sub else "help", **options)
        if draw(st.booleans()):
            payload["data"]["options"][0]["options"] = draw(st.lists(json_value, max_size=3))
    else:
        custom_id = draw(st.one_of(st.sampled_from([f"pb:interview.hint:{interview_id}-0", "pb:nope:1",
                                                    "pb:interview.next:abc", "pb:" + "x" * 200]), text))
        payload = harness.interaction(3, {"custom_id": custom_id, "component_type": draw(maybe(2, json_value))},
                                      user=ALICE, permissions=EVERYONE_PERMISSIONS)
    fields = ["id", "application_id", "type", "token", "guild_id", "channel_id", "member", "data", "version",
              "channel", "app_permissions", "attachment_size_limit", "locale"]
    return "INTERACTION_CREATE", mutated(draw, payload, fields)


@st.composite
def messages(draw: st.DrawFn, harness: DiscordHarness, thread_id: int,
             answers: list[str]) -> tuple[str, dict[str, Any]]:
    content = "My answer: " + draw(st.one_of(text, st.text(min_size=1, max_size=4).map(lambda t: t * 6000)))
    payload = harness.message_payload(thread_id, content, user=ALICE)
    event = draw(st.sampled_from(["MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE",
                                  "MESSAGE_DELETE_BULK"]))
    fields = ["id", "channel_id", "guild_id", "author", "content", "type", "timestamp", "mentions", "attachments",
              "embeds", "member", "flags", "components", "ids"]
    hostile = mutated(draw, payload, fields)
    if event == "MESSAGE_DELETE_BULK":
        hostile["ids"] = draw(maybe([payload["id"]], json_value))
    if event == "MESSAGE_CREATE" and hostile == payload:
        answers.append(content)  # a well-formed answer: it must be recorded, whatever its text
    return event, hostile


async def quiet(harness: DiscordHarness) -> None:
    """Wait (on the tasks themselves, not a clock) until every event the parsers dispatched is handled."""
    async with asyncio.timeout(60):
        while pending := [t for t in asyncio.all_tasks()
                          if t.get_name().startswith(DISCORD_TASKS) and not t.done()]:
            await asyncio.wait(pending)
        await harness.settle()


async def test_hostile_gateway_payloads_leave_no_traceback_and_lose_no_answer(
        harness: DiscordHarness, records: KeptRecords) -> None:
    thread_id, interview = await start(harness, minutes=90)
    parsers = harness.bot._connection.parsers
    answers: list[str] = []
    fed: list[str] = []

    @fuzz(400)
    @given(st.one_of(interactions(harness, interview.id), messages(harness, thread_id, answers)))
    def feed(item: tuple[str, dict[str, Any]]) -> None:
        event, payload = item
        parsers[event](payload)  # what the gateway does with a DISPATCH
        fed.append(event)

    feed()
    await quiet(harness)

    assert len(fed) >= 400 and {"INTERACTION_CREATE", "MESSAGE_CREATE"} <= set(fed)
    assert records.tracebacks() == []
    assert any("dropped" in m for m in records.messages()), "malformed payloads were refused at the edge"
    stored = await harness.service.store.answers_for_phase(interview.id, 0)
    kept = {answer.text for answer in stored}
    assert answers and {fit_answer(a).text for a in answers} <= kept
    assert not any("made storable" in m for m in records.messages()), "normalised before storage"

    before = len(harness.fake.calls)
    await harness.slash("help")
    callbacks = [c for c in harness.fake.calls[before:] if c.path.endswith("/callback")]
    assert callbacks and "/practice interview" in str(callbacks[-1].json)


async def test_an_option_of_another_type_than_declared_is_dropped_at_the_edge(
        harness: DiscordHarness, records: KeptRecords) -> None:
    parsers = harness.bot._connection.parsers
    wrong = harness.slash_payload("interview", scenario=5, minutes=30)  # scenario is declared as text
    unknown = harness.slash_payload("interview", planet="Mars")
    for payload in (wrong, unknown):
        parsers["INTERACTION_CREATE"](payload)
    await quiet(harness)
    assert not [c for c in harness.fake.calls if c.path.endswith("/callback")], "neither reached a command"
    dropped = [m for m in records.messages() if "dropped" in m]
    assert dropped == [
        f"Discord INTERACTION_CREATE '{wrong['id']}' dropped: payload is "
        "'option scenario is not one /practice interview declares'",
        f"Discord INTERACTION_CREATE '{unknown['id']}' dropped: payload is "
        "'option planet is not one /practice interview declares'",
    ]
    assert records.tracebacks() == []
    await harness.slash("interview", scenario="url-shortener", minutes=30)
    assert [c for c in harness.fake.calls if c.path.endswith("/callback")], "a well-formed one still runs"
