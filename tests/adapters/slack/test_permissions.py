"""Who may do what on Slack, as a matrix: every command, thread message and button, by each kind of person.

Each row of ``EXPECTED`` is one person walking through every cell in order, on the real bolt app over
loopback, against the mock Web API and a real SQLite database. Before the walk Alice (the candidate) has
an interview running in the channel, the channel has today's prompt, and Alice has asked to be
forgotten (her Forget me / Keep my data buttons are there to be clicked by others). Each cell's outcome
is read from what actually happened (the database, the thread, the reply), never from the reply alone:
``ok`` means the effect took place; a refusal names the rule that refused it; ``ignored`` means a thread
message had no effect and got no answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.core.interviews import HINT, NEXT
from bot.core.members import FORGET, KEEP
from bot.core.prompts import CHECKLIST
from bot.core.refs import ChannelRef
from tests.adapters.permissions import CELLS, SHARED_REFUSALS
from tests.adapters.slack.conftest import ADMIN, ALICE, ALLOWED, BOB, CHANNEL, SlackHarness, buttons, member
from tests.adapters.slack.mock_api import TEAM_ID, MockSlackApi, Response

CAROL = "U0CAROL"
ROBOT = "U0ROBOT"
ELSEWHERE = "C0ELSEWHERE"
ANSWER = "We cache hot keys in Redis and shard by key hash; p95 under 50 ms at 10k requests per second."

REFUSALS = {"admins only": "Only workspace admins", **SHARED_REFUSALS}


def row(**changes: str) -> dict[str, str]:
    """A person for whom every cell is ``ok`` but the ones given (``cell_name`` with spaces as ``_``)."""
    outcome = dict.fromkeys(CELLS, "ok")
    for key, value in changes.items():
        [cell] = [c for c in CELLS if _key(c) == key]
        outcome[cell] = value
    return outcome


def _key(cell: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in cell.lower()).strip("_").replace("__", "_")


NOT_CANDIDATE = {
    "answer_in_alice_s_interview": "ignored", "hint_in_alice_s_interview": "ignored",
    "hint_button": "candidate only", "next_section_button": "candidate only",
    "keep_my_data_alice_s": "asker only", "forget_me_alice_s": "asker only",
}
NOT_MANAGER = {"schedule_09_30_utc_mon_fri": "admins only", "schedule_off": "admins only"}

EXPECTED: dict[str, dict[str, str]] = {
    "plain member": row(**NOT_MANAGER, **NOT_CANDIDATE),
    "another member": row(**NOT_MANAGER, **NOT_CANDIDATE),
    "the interview's candidate": row(**NOT_MANAGER, interview="already running"),
    "workspace admin": row(**NOT_CANDIDATE),
    "on the admin allow-list": row(**NOT_CANDIDATE),
    "bot account": {
        cell: "ignored" if cell.startswith(("answer", "`hint`")) else "bots refused" for cell in CELLS
    },
}
ACTORS = {
    "plain member": CAROL, "another member": BOB, "the interview's candidate": ALICE, "workspace admin": ADMIN,
    "on the admin allow-list": ALLOWED, "bot account": ROBOT,
}


@dataclass
class Scene:
    """What exists before the walk: Alice's interview, today's prompt, Alice's forget-me question."""

    thread: str
    opening_ts: str
    interview_id: int
    prompt_ts: str
    prompt_value: str
    forget_value: str


def reply_text(responses: list[Response]) -> str:
    return "\n".join(str(r.payload.get("text", "")) for r in responses)


def refused(responses: list[Response]) -> str | None:
    text = reply_text(responses)
    return next((rule for rule, words in REFUSALS.items() if words in text), None)


def forget_value(responses: list[Response]) -> str:
    elements = [e for r in responses for b in r.payload.get("blocks") or [] if b["type"] == "actions"
                for e in b["elements"]]
    [value] = {e["value"] for e in elements if e["action_id"] in {FORGET, KEEP}}
    return str(value)


async def setting_the_scene(slack: SlackHarness) -> Scene:
    assert await slack.command("interview url-shortener 15", user=ALICE) == []
    [parent] = slack.roots()
    [opening] = slack.thread(parent.ts)
    interview = await slack.service.store.active_interview(member(ALICE))
    assert interview is not None
    await slack.command("prompt", user=ALICE)
    prompt_call = slack.roots()[-1]
    [checklist] = buttons(prompt_call)
    question = await slack.command("forget-me", user=ALICE)
    return Scene(parent.ts, opening.ts, interview.id, prompt_call.ts, checklist["value"], forget_value(question))


async def say(slack: SlackHarness, actor: str, text: str, thread_ts: str) -> None:
    if actor != ROBOT:
        await slack.say(actor, text, thread_ts=thread_ts)
        return
    ts = slack.new_ts()
    await slack.event({"type": "message", "channel": CHANNEL, "user": ROBOT, "bot_id": "B0ROBOT", "text": text,
                       "ts": ts, "thread_ts": thread_ts, "channel_type": "channel"})


async def walk(slack: SlackHarness, actor: str, scene: Scene) -> dict[str, str]:
    """Every cell by ``actor``, in order; each outcome read from its effect."""
    store = slack.service.store
    outcome: dict[str, str] = {}

    async def command(text: str, *, channel: str = CHANNEL) -> tuple[list[Response], str | None]:
        responses = await slack.command(text, user=actor, channel=channel)
        return responses, refused(responses)

    async def click(action: str, value: str, *, message_ts: str, thread_ts: str | None) -> list[Response]:
        return await slack.click(actor, action, value, message_ts=message_ts, thread_ts=thread_ts)

    for cell, words in (("help", "/practice interview [scenario]"), ("sections", "The framework"),
                        ("section 3", "Section 3:"), ("scenarios", "systems to design"),
                        ("schedule (show)", "No daily prompts"), ("streak", "no practice days yet"),
                        ("streak of Alice", "Alice"), ("leaderboard", "Leaderboard, all time")):
        text = {"schedule (show)": "schedule", "streak of Alice": f"streak <@{ALICE}>"}.get(cell, cell)
        responses, refusal = await command(text)
        outcome[cell] = refusal or ("ok" if words in reply_text(responses) else f"? {reply_text(responses)}")

    _, refusal = await command("schedule 09:30 UTC mon-fri")
    channel = await store.get_channel(ChannelRef("slack", CHANNEL, TEAM_ID))
    scheduled = channel is not None and channel.schedule is not None
    outcome["schedule 09:30 UTC mon-fri"] = refusal or ("ok" if scheduled else "?")
    _, refusal = await command("schedule off")
    channel = await store.get_channel(ChannelRef("slack", CHANNEL, TEAM_ID))
    outcome["schedule off"] = refusal or ("ok" if channel is not None and channel.schedule is None else "?")

    _, refusal = await command("prompt", channel=ELSEWHERE)
    posted = slack.api.posts(channel=ELSEWHERE, in_thread=False)
    outcome["prompt"] = refusal or ("ok" if len(posted) == 1 else "?")
    _, refusal = await command("interview url-shortener 15", channel=ELSEWHERE)
    mine = await store.active_interview(member(actor))
    outcome["interview"] = refusal or ("ok" if mine is not None and mine.id != scene.interview_id else "?")

    interview = await store.get_interview(scene.interview_id)
    assert interview is not None
    before = len(await store.answers_for_phase(scene.interview_id, interview.phase_index))
    await say(slack, actor, ANSWER, scene.thread)
    after = len(await store.answers_for_phase(scene.interview_id, interview.phase_index))
    outcome["answer in Alice's interview"] = "ok" if after == before + 1 else "ignored"
    hints = len(slack.thread_texts(scene.thread))
    await say(slack, actor, "hint", scene.thread)
    outcome["`hint` in Alice's interview"] = "ok" if len(slack.thread_texts(scene.thread)) > hints else "ignored"
    prompt = await store.latest_prompt(ChannelRef("slack", CHANNEL, TEAM_ID))
    assert prompt is not None
    await say(slack, actor, ANSWER, scene.prompt_ts)
    answered = {a.member.user_id for a in await store.answers_for_prompt(prompt.id)}
    outcome["answer to the prompt"] = "ok" if actor in answered else "ignored"

    interview = await store.get_interview(scene.interview_id)
    assert interview is not None
    value = f"{interview.id}-{interview.phase_index}"
    posts = len(slack.thread_texts(scene.thread))
    responses = await click(HINT, value, message_ts=scene.opening_ts, thread_ts=scene.thread)
    hinted = any(t.startswith("*Hint*") for t in slack.thread_texts(scene.thread)[posts:])
    outcome["Hint button"] = refused(responses) or ("ok" if hinted else f"? {reply_text(responses)}")
    responses = await click(CHECKLIST, scene.prompt_value, message_ts=scene.prompt_ts, thread_ts=None)
    shown = "checklist is revealed when" in reply_text(responses)
    outcome["Show checklist button"] = refused(responses) or ("ok" if shown else f"? {reply_text(responses)}")
    responses = await click(NEXT, value, message_ts=scene.opening_ts, thread_ts=scene.thread)
    moved = await store.get_interview(scene.interview_id)
    assert moved is not None
    outcome["Next section button"] = refused(responses) or (
        "ok" if moved.phase_index == interview.phase_index + 1 else f"? {reply_text(responses)}")

    responses = await click(KEEP, scene.forget_value, message_ts=scene.opening_ts, thread_ts=None)
    kept = "Nothing was deleted." in reply_text(responses)
    outcome["Keep my data (Alice's)"] = refused(responses) or ("ok" if kept else f"? {reply_text(responses)}")
    responses = await click(FORGET, scene.forget_value, message_ts=scene.opening_ts, thread_ts=None)
    alice_gone = await store.get_member(member(ALICE)) is None
    outcome["Forget me (Alice's)"] = refused(responses) or ("ok" if alice_gone else f"? {reply_text(responses)}")
    if actor != ALICE:
        assert not alice_gone, "nobody but Alice can forget Alice"

    responses, refusal = await command("forget-me")
    outcome["forget-me"] = refusal or ("ok" if "Forget me?" in reply_text(responses) else "?")
    if refusal is None:
        responses = await click(FORGET, forget_value(responses), message_ts=scene.opening_ts, thread_ts=None)
    gone = await store.get_member(member(actor)) is None and await store.active_interview(member(actor)) is None
    said = ("Done: I deleted" in reply_text(responses) or "nothing about you to delete" in reply_text(responses))
    outcome["Forget me (own)"] = refused(responses) or ("ok" if gone and said else f"? {reply_text(responses)}")
    return outcome


@pytest.fixture
async def with_robot(api: MockSlackApi) -> MockSlackApi:
    api.add_user(CAROL, "Carol", tz="UTC")
    api.add_user(ROBOT, "Robot", tz="UTC", is_bot=True)
    return api


@pytest.mark.parametrize("who", list(EXPECTED))
async def test_each_person_gets_exactly_what_they_may(who: str, with_robot: MockSlackApi,
                                                      slack: SlackHarness) -> None:
    scene = await setting_the_scene(slack)
    assert await walk(slack, ACTORS[who], scene) == EXPECTED[who]


async def test_a_bot_account_leaves_nothing_behind(with_robot: MockSlackApi, slack: SlackHarness) -> None:
    scene = await setting_the_scene(slack)
    await walk(slack, ROBOT, scene)
    assert await slack.service.store.get_member(member(ROBOT)) is None
    interview = await slack.service.store.get_interview(scene.interview_id)
    assert interview is not None and interview.phase_index == 0 and interview.hints_used == ()
    assert slack.api.posts(channel=ELSEWHERE) == []


def test_every_cell_name_has_a_row_key() -> None:
    assert len({_key(cell) for cell in CELLS}) == len(CELLS)
    for changes in (NOT_CANDIDATE, NOT_MANAGER):
        assert set(changes) <= {_key(cell) for cell in CELLS}
