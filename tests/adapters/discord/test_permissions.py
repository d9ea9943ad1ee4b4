"""Who may do what on Discord, as a matrix: every command, thread message and button, by each kind of person.

Each row of ``EXPECTED`` is one person walking through every cell in order, through the real
``CommandTree``, dynamic buttons and message parser against the fake Discord API and a real SQLite
database. Before the walk Alice (the candidate) has an interview running in its thread, the channel has
today's prompt, and Alice has asked to be forgotten (her Forget me / Keep my data buttons are there for
others to press). Each outcome is read from what happened (the database, the thread, the reply):
``ok`` means the effect took place, a refusal names the rule that refused it, ``ignored`` means a
thread message had no effect.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from bot.core.refs import ChannelRef, UserRef
from tests.adapters.discord.fake_api import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    OTHER_CHANNEL_ID,
    FakeDiscord,
    JsonObject,
    components_custom_ids,
)
from tests.adapters.discord.harness import (
    ADMIN,
    ALICE,
    BOB,
    EVERYONE_PERMISSIONS,
    MANAGE_CHANNELS,
    DiscordHarness,
    Person,
)
from tests.adapters.permissions import CELLS, SHARED_REFUSALS

ANSWER = "We cache hot keys in Redis and shard by key hash; p95 under 50 ms at 10k requests per second."
CHANNEL = ChannelRef("discord", str(CHANNEL_ID), str(GUILD_ID))


@dataclass(frozen=True)
class BotAccount(Person):
    def user(self) -> JsonObject:
        return {**super().user(), "bot": True}


CAROL = Person(1_100_000_000_000_000_504, "Carol")
ROBOT = BotAccount(1_100_000_000_000_000_505, "Robot")

REFUSALS = {"managers only": "needs the **Manage Channels**", **SHARED_REFUSALS}
NOT_CANDIDATE = {
    "answer in Alice's interview": "ignored", "`hint` in Alice's interview": "ignored",
    "Hint button": "candidate only", "Next section button": "candidate only",
    "Keep my data (Alice's)": "asker only", "Forget me (Alice's)": "asker only",
}
NOT_MANAGER = {"schedule 09:30 UTC mon-fri": "managers only", "schedule off": "managers only"}


def row(*changes: dict[str, str]) -> dict[str, str]:
    outcome = dict.fromkeys(CELLS, "ok")
    for change in changes:
        assert set(change) <= set(CELLS)
        outcome.update(change)
    return outcome


EXPECTED: dict[str, dict[str, str]] = {
    "plain member": row(NOT_MANAGER, NOT_CANDIDATE),
    "another member": row(NOT_MANAGER, NOT_CANDIDATE),
    "the interview's candidate": row(NOT_MANAGER, {"interview": "already running"}),
    "channel manager": row(NOT_CANDIDATE),
    "bot account": {cell: "ignored" if cell.startswith(("answer", "`hint`")) else "bots refused" for cell in CELLS},
}
ACTORS: dict[str, tuple[Person, int]] = {
    "plain member": (CAROL, EVERYONE_PERMISSIONS),
    "another member": (BOB, EVERYONE_PERMISSIONS),
    "the interview's candidate": (ALICE, EVERYONE_PERMISSIONS),
    "channel manager": (ADMIN, EVERYONE_PERMISSIONS | MANAGE_CHANNELS),
    "bot account": (ROBOT, EVERYONE_PERMISSIONS),
}


def ref(person: Person) -> UserRef:
    return UserRef("discord", str(person.id), str(GUILD_ID), person.name)


def answered(fake: FakeDiscord, interaction_id: int) -> str:
    """Everything the bot answered one interaction with: its callback and follow-ups, as text."""
    calls = fake.find("POST", rf"/interactions/{interaction_id}/[^/]+/callback")
    calls += fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+")
    return "\n".join(json.dumps(call.json) for call in calls)


def refused(text: str) -> str | None:
    return next((rule for rule, words in REFUSALS.items() if json.dumps(words)[1:-1] in text), None)


def question_message(fake: FakeDiscord, interaction_id: int, like: JsonObject) -> JsonObject:
    """The forget-me question as a message whose buttons can be pressed (Discord resolves a pressed
    button from the message's components)."""
    [followup] = fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+")
    return {**like, "id": str(int(like["id"]) + 1), "components": followup.json["components"], "flags": 64}


def forget_value(text: str) -> str:
    [value] = set(re.findall(r"pb:member\.(?:forget|keep):([A-Za-z0-9_-]+)", text))
    return value


@dataclass
class Scene:
    thread_id: int
    phase_one: JsonObject
    interview_id: int
    prompt_root: JsonObject
    prompt_id: int
    prompt_thread_id: int
    forget_value: str
    question: JsonObject


async def setting_the_scene(harness: DiscordHarness, fake: FakeDiscord) -> Scene:
    store = harness.service.store
    await harness.slash("interview", scenario="url-shortener", minutes=15)
    interview = await store.active_interview(ref(ALICE))
    assert interview is not None and interview.thread is not None
    thread_id = int(interview.thread.thread_id)
    await harness.slash("prompt")
    await harness.settle()
    prompt = await store.latest_prompt(CHANNEL)
    assert prompt is not None and prompt.thread is not None and prompt.message is not None
    [root] = [m for m in fake.posted_in(CHANNEL_ID) if m["id"] == prompt.message.message_id]
    question = await harness.slash("forget-me")
    return Scene(thread_id, fake.posted_in(thread_id)[0], interview.id, root, prompt.id,
                 int(prompt.thread.thread_id), forget_value(answered(fake, question)),
                 question_message(fake, question, root))


async def walk(harness: DiscordHarness, fake: FakeDiscord, actor: Person, permissions: int,
               scene: Scene) -> dict[str, str]:
    store = harness.service.store
    outcome: dict[str, str] = {}

    async def slash(subcommand: str, **options: object) -> tuple[str, str | None]:
        text = answered(fake, await harness.slash(subcommand, user=actor, permissions=permissions, **options))
        return text, refused(text)

    async def press(message: JsonObject, custom_id: str) -> tuple[str, str | None]:
        text = answered(fake, await harness.press(message, custom_id, user=actor))
        await harness.settle()
        return text, refused(text)

    reads: tuple[tuple[str, str, dict[str, object], str], ...] = (
        ("help", "help", {}, "/practice interview [scenario]"),
        ("sections", "sections", {}, "The framework"),
        ("section 3", "section", {"number": 3}, "Section 3:"),
        ("scenarios", "scenarios", {}, "systems to design"),
        ("schedule (show)", "schedule", {}, "No daily prompts"),
        ("streak", "streak", {}, "no practice days yet"),
        ("streak of Alice", "streak", {"member": ALICE}, "Alice"),
        ("leaderboard", "leaderboard", {}, "Leaderboard, all time"),
    )
    for cell, subcommand, options, words in reads:
        text, refusal = await slash(subcommand, **options)
        outcome[cell] = refusal or ("ok" if words in text else f"? {text}")

    _, refusal = await slash("schedule", time="09:30", timezone="UTC", weekdays="mon-fri")
    channel = await store.get_channel(CHANNEL)
    outcome["schedule 09:30 UTC mon-fri"] = refusal or ("ok" if channel and channel.schedule else "?")
    _, refusal = await slash("schedule", weekdays="off")
    channel = await store.get_channel(CHANNEL)
    outcome["schedule off"] = refusal or ("ok" if channel is not None and channel.schedule is None else "?")

    _, refusal = await slash("prompt", channel_id=OTHER_CHANNEL_ID)
    outcome["prompt"] = refusal or ("ok" if len(fake.posted_in(OTHER_CHANNEL_ID)) == 1 else "?")
    _, refusal = await slash("interview", scenario="url-shortener", minutes=15, channel_id=OTHER_CHANNEL_ID)
    mine = await store.active_interview(ref(actor))
    outcome["interview"] = refusal or ("ok" if mine is not None and mine.id != scene.interview_id else "?")

    interview = await store.get_interview(scene.interview_id)
    assert interview is not None
    before = len(await store.answers_for_phase(scene.interview_id, interview.phase_index))
    await harness.say(scene.thread_id, ANSWER, user=actor)
    after = len(await store.answers_for_phase(scene.interview_id, interview.phase_index))
    outcome["answer in Alice's interview"] = "ok" if after == before + 1 else "ignored"
    posts = len(fake.posted_in(scene.thread_id))
    await harness.say(scene.thread_id, "hint", user=actor)
    await harness.settle()
    outcome["`hint` in Alice's interview"] = "ok" if len(fake.posted_in(scene.thread_id)) > posts else "ignored"
    await harness.say(scene.prompt_thread_id, ANSWER, user=actor)
    authors = {a.member.user_id for a in await store.answers_for_prompt(scene.prompt_id)}
    outcome["answer to the prompt"] = "ok" if str(actor.id) in authors else "ignored"

    interview = await store.get_interview(scene.interview_id)
    assert interview is not None
    value = f"{interview.id}-{interview.phase_index}"
    posts = len(fake.posted_in(scene.thread_id))
    text, refusal = await press(scene.phase_one, f"pb:interview.hint:{value}")
    hinted = any(m["content"].startswith("**Hint**") for m in fake.posted_in(scene.thread_id)[posts:])
    outcome["Hint button"] = refusal or ("ok" if hinted else f"? {text}")
    text, refusal = await press(scene.prompt_root, f"pb:prompt.checklist:{scene.prompt_id}")
    outcome["Show checklist button"] = refusal or ("ok" if "checklist is revealed when" in text else f"? {text}")
    text, refusal = await press(scene.phase_one, f"pb:interview.next:{value}")
    moved = await store.get_interview(scene.interview_id)
    assert moved is not None
    outcome["Next section button"] = refusal or (
        "ok" if moved.phase_index == interview.phase_index + 1 else f"? {text}")

    text, refusal = await press(scene.question, f"pb:member.keep:{scene.forget_value}")
    outcome["Keep my data (Alice's)"] = refusal or ("ok" if "Nothing was deleted." in text else f"? {text}")
    text, refusal = await press(scene.question, f"pb:member.forget:{scene.forget_value}")
    alice_gone = await store.get_member(ref(ALICE)) is None
    outcome["Forget me (Alice's)"] = refusal or ("ok" if alice_gone else f"? {text}")
    if actor != ALICE:
        assert not alice_gone, "nobody but Alice can forget Alice"

    asked = await harness.slash("forget-me", user=actor, permissions=permissions)
    text = answered(fake, asked)
    refusal = refused(text)
    outcome["forget-me"] = refusal or ("ok" if "Forget me?" in text else f"? {text}")
    if refusal is None:
        mine = question_message(fake, asked, scene.prompt_root)
        text, refusal = await press(mine, f"pb:member.forget:{forget_value(text)}")
    gone = await store.get_member(ref(actor)) is None and await store.active_interview(ref(actor)) is None
    said = "Done: I deleted" in text or "nothing about you to delete" in text
    outcome["Forget me (own)"] = refusal or ("ok" if gone and said else f"? {text}")
    return outcome


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_each_person_gets_exactly_what_they_may(who: str, harness: DiscordHarness, fake: FakeDiscord) -> None:
    scene = await setting_the_scene(harness, fake)
    actor, permissions = ACTORS[who]
    assert await walk(harness, fake, actor, permissions, scene) == EXPECTED[who]


async def test_the_forget_buttons_round_trip_through_custom_ids(harness: DiscordHarness, fake: FakeDiscord) -> None:
    question = await harness.slash("forget-me")
    [followup] = fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{question}-\d+")
    assert followup.json["flags"] == 64, "the question is for the asker only"
    value = forget_value(answered(fake, question))
    assert components_custom_ids(followup.json) == [f"pb:member.forget:{value}", f"pb:member.keep:{value}"]
    assert value.startswith(f"{ALICE.id}-")


async def test_a_bot_account_leaves_nothing_behind(harness: DiscordHarness, fake: FakeDiscord) -> None:
    scene = await setting_the_scene(harness, fake)
    await walk(harness, fake, ROBOT, EVERYONE_PERMISSIONS, scene)
    assert await harness.service.store.get_member(ref(ROBOT)) is None
    interview = await harness.service.store.get_interview(scene.interview_id)
    assert interview is not None and interview.phase_index == 0 and interview.hints_used == ()
    assert fake.posted_in(OTHER_CHANNEL_ID) == []
