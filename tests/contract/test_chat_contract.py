"""The chat port's contract, one set of tests for every adapter (console, Slack, Discord).

Each test runs against the adapter's real ``Chat`` and its local fake (see ``conftest.py``): a send lands
where it was sent; a reply in a thread stays in it; long text arrives in order in the same place; buttons
render and a click round-trips; edit and react work on returned refs; the bot ignores its own messages;
what a platform cannot show degrades and never raises; a keyed message repeated after an uncertain
attempt is shown once where the platform can tell (Slack, Discord).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.interviews import END, HINT, NEXT
from bot.core.messages import Button, ButtonsBlock, FieldsBlock, OutMessage, SectionBlock
from bot.core.outbox import send
from bot.core.prompts import CHECKLIST
from bot.core.refs import MessageRef, Target, ThreadRef
from tests.contract.conftest import ContractHarness, recording_messages

PLACES = ("channel", "thread")


async def place(harness: ContractHarness, kind: str) -> Target:
    return harness.channel if kind == "channel" else await harness.thread()


def thread_of(where: Target) -> ThreadRef | None:
    return where if isinstance(where, ThreadRef) else None


# ---------------------------------------------------------------------------- 1. sends land where sent
@pytest.mark.parametrize("kind", PLACES)
async def test_a_send_lands_where_it_was_sent_and_returns_a_ref_for_that_place(
    harness: ContractHarness, kind: str
) -> None:
    where = await place(harness, kind)
    channel_before = await harness.posted(harness.channel)

    ref = await harness.chat.send(where, OutMessage(text="Where does this land?"))

    assert (ref.channel, ref.thread) == (harness.channel, thread_of(where))
    assert MessageRef.parse(ref.serialise()) == ref
    assert (await harness.posted(where))[-1] == "Where does this land?"
    ids = harness.posted_ids(where)
    if ids is not None:  # the console shows no message ids
        assert ids[-1] == ref.message_id
    if isinstance(where, ThreadRef):
        assert await harness.posted(harness.channel) == channel_before, "nothing leaked into the channel"


# ---------------------------------------------------------------------------- 2. threads
async def test_a_reply_in_a_thread_stays_in_it(harness: ContractHarness) -> None:
    thread = await harness.thread()
    channel_before = await harness.posted(harness.channel)

    first = await harness.chat.send(thread, OutMessage(text="First words in the thread"))
    assert first.thread == thread
    reply = await harness.chat.send(first.thread, OutMessage(text="A reply to them"))  # answer where it was said

    assert reply.thread == thread and reply.channel == harness.channel
    assert (await harness.posted(thread))[-2:] == ["First words in the thread", "A reply to them"]
    assert await harness.posted(harness.channel) == channel_before


async def test_opening_a_thread_on_a_message_inside_a_thread_stays_in_that_thread(harness: ContractHarness) -> None:
    thread = await harness.thread()
    inside = await harness.chat.send(thread, OutMessage(text="Said inside the thread"))

    assert await harness.chat.start_thread(inside, "Another thread?") == thread
    follow_up = await harness.chat.send(await harness.chat.start_thread(inside, "Again"), OutMessage(text="Still here"))
    assert follow_up.thread == thread
    assert (await harness.posted(thread))[-1] == "Still here"


# ---------------------------------------------------------------------------- 3. long text
@pytest.mark.parametrize("kind", PLACES)
async def test_long_text_arrives_as_ordered_parts_in_the_same_place(harness: ContractHarness, kind: str) -> None:
    where = await place(harness, kind)
    limit = harness.chat.capabilities.max_text
    lines = [f"{n:04d} " + "y" * 60 for n in range(limit * 5 // 2 // 66 + 1)]
    long = "\n".join(lines)
    assert len(long) > 2 * limit
    before = len(await harness.posted(where))
    channel_before = await harness.posted(harness.channel)

    ref = await send(harness.chat, where, OutMessage(text=long))

    parts = (await harness.posted(where))[before:]
    assert len(parts) >= 3
    assert all(len(part) <= limit for part in parts)
    assert re.findall(r"(\d{4}) y{60}", "\n".join(parts)) == [f"{n:04d}" for n in range(len(lines))], "in order"
    assert "".join(parts).replace("\n", "") == long.replace("\n", ""), "nothing lost"
    assert (ref.channel, ref.thread) == (harness.channel, thread_of(where))
    ids = harness.posted_ids(where)
    if ids is not None:
        assert ids[-1] == ref.message_id, "the ref is the last part's"
    if isinstance(where, ThreadRef):
        assert await harness.posted(harness.channel) == channel_before


# ---------------------------------------------------------------------------- 4. buttons
STEERING = ButtonsBlock((
    Button(NEXT, "Next section", "42-0", "primary"),
    Button(HINT, "Hint", "42-0"),
    Button(END, "End interview", "42-0", "danger"),
    Button(CHECKLIST, "Show checklist", "7"),
    Button("legacy.vote", "Vote", "9"),  # an action the core no longer knows still round-trips
))


@pytest.mark.parametrize("kind", PLACES)
async def test_buttons_render_and_a_click_comes_back_as_the_same_neutral_action(
    harness: ContractHarness, kind: str
) -> None:
    where = await place(harness, kind)
    ref = await harness.chat.send(where, OutMessage(text="Pick one", blocks=(SectionBlock("Pick one"), STEERING)))

    assert harness.buttons(ref) == [b.label for b in STEERING.buttons]
    clicks = [await harness.click(ref, b.action, b.value) for b in STEERING.buttons]

    assert [(c.action, c.value) for c in clicks] == [(b.action, b.value) for b in STEERING.buttons]
    assert all(c.message == ref for c in clicks), "the click names the message it was on, thread included"
    assert all(c.user.platform == harness.platform and c.user.user_id for c in clicks)
    assert len({c.event_key for c in clicks}) == len(clicks), "each click is its own event"


# ---------------------------------------------------------------------------- 5. edit and react
@pytest.mark.parametrize("kind", PLACES)
async def test_edit_and_react_work_on_returned_refs(harness: ContractHarness, kind: str) -> None:
    where = await place(harness, kind)
    ref = await harness.chat.send(where, OutMessage(text="Version one"))
    other = await harness.chat.send(where, OutMessage(text="Left alone"))

    await harness.chat.edit(ref, OutMessage(text="Version two"))
    await harness.chat.react(ref, "white_check_mark")

    assert harness.edits(ref) == ["Version two"]
    assert harness.reactions(ref) == [harness.check_mark]
    assert (harness.edits(other), harness.reactions(other)) == ([], [])


# ---------------------------------------------------------------------------- 6. own messages
async def test_the_bot_ignores_its_own_messages(harness: ContractHarness) -> None:
    interview = await harness.start_interview()
    thread = interview.thread
    assert thread is not None
    own = "Phase one: framing. (the bot's own words, which would count as an answer if a person wrote them)"
    answer = "We keep it simple: the team knows Postgres and Python, so pragmatic choices win."

    with recording_messages(harness.service) as reached:
        await harness.deliver_own_message(thread, own)
        await harness.deliver_message(thread, answer)  # the same path, from a person: it does count

    assert [m.text for m in reached] == [answer], "the bot's own message never reaches the core"
    answers = await harness.service.store.answers_for_phase(interview.id, 0)
    assert [a.text for a in answers] == [answer]


# ---------------------------------------------------------------------------- 7. fallbacks
FORTY_FIELDS = FieldsBlock(tuple((f"Item {n}", "detail " * 200) for n in range(40)))
DEGRADING = {
    # Discord carries a button in a custom id (`pb:action:value`, value [A-Za-z0-9_-]{0,40}): one that does not
    # fit is left out; Slack and the console show it.
    "button-value-a-platform-cannot-carry": (
        OutMessage(text="A button with an awkward value",
                   blocks=(ButtonsBlock((Button(HINT, "Awkward", "has spaces: and a colon, " * 3),)),)),
        (),
    ),
    # Slack and Discord show at most 25 buttons; the first ones stay.
    "more-buttons-than-a-platform-shows": (
        OutMessage(text="Thirty buttons",
                   blocks=(ButtonsBlock(tuple(Button(HINT, f"B{n}", str(n)) for n in range(30))),)),
        tuple(f"B{n}" for n in range(25)),
    ),
    # Slack allows 50 blocks (the head and the trailing buttons stay); Discord and the console show the text.
    "more-blocks-than-a-platform-shows": (
        OutMessage(text="Sixty sections",
                   blocks=(*(SectionBlock(f"Section {n}") for n in range(60)),
                           ButtonsBlock((Button(NEXT, "Next section", "1-0"),)))),
        ("Next section",),
    ),
    # Embeds hold 25 fields and 6000 characters (Discord notes what was left out); Slack 10 fields a section.
    "more-fields-than-a-platform-shows": (
        OutMessage(text="Forty long fields", title="A title", blocks=(FORTY_FIELDS,)),
        (),
    ),
}


@pytest.mark.parametrize("case", DEGRADING)
async def test_what_a_platform_cannot_show_degrades_and_the_text_still_arrives(
    harness: ContractHarness, case: str
) -> None:
    message, must_show = DEGRADING[case]

    ref = await send(harness.chat, harness.channel, message)

    assert message.text in (await harness.posted(harness.channel))[-1]
    shown = harness.buttons(ref)
    assert set(shown) <= {b.label for b in message.buttons()}, "no button made up"
    assert shown[: len(must_show)] == list(must_show)


async def test_an_edit_too_long_for_one_message_degrades_and_never_raises(harness: ContractHarness) -> None:
    limit = harness.chat.capabilities.max_text
    ref = await harness.chat.send(harness.channel, OutMessage(text="Short for now"))
    long = " ".join(f"word{n}" for n in range(limit))  # several times max_text; an edit cannot split

    await harness.chat.edit(ref, OutMessage(text=long))

    [edited] = harness.edits(ref)
    assert edited.startswith(long[: limit // 2])


REACTION_SHOWN = {
    "console": [":thumbsup:"],  # named as typed
    "slack": ["thumbsup"],  # Slack's own emoji name
    "discord": [],  # not in its emoji map: skipped and logged (render.discord_emoji -> None)
}


async def test_a_reaction_a_platform_cannot_show_is_skipped_not_raised(harness: ContractHarness) -> None:
    ref = await harness.chat.send(harness.channel, OutMessage(text="React to me"))

    await harness.chat.react(ref, "thumbsup")

    assert harness.reactions(ref) == REACTION_SHOWN[harness.platform]


# ---------------------------------------------------------------------------- 8. a repeat is shown once
@pytest.mark.parametrize("kind", PLACES)
async def test_a_keyed_message_repeated_after_an_uncertain_attempt_is_shown_once(
    harness: ContractHarness, kind: str
) -> None:
    where = await place(harness, kind)
    since = datetime.now(UTC) - timedelta(minutes=1)
    message = OutMessage(text="Phase 3: Core Entities", key="iv:7:open:3")
    first = await send(harness.chat, where, message)
    # What the outbox does before it tries a row again whose earlier attempt may have landed:
    found = await harness.chat.find_sent(where, message.key, since=since)
    again = found or await send(harness.chat, where, message)
    if harness.platform == "console":
        assert found is None  # a terminal keeps no history: the line is printed again (documented)
        return
    assert again == first
    assert (await harness.posted(where)).count("Phase 3: Core Entities") == 1
