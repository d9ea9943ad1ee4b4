"""One harness per adapter for the cross-adapter contract suite (``test_chat_contract.py``).

Each harness runs the adapter's real ``Chat`` against the local fake the adapter's own tests use, and
reads back what that fake received:

* ``console``: a ``ConsoleAdapter`` in process; its terminal is recorded write by write (the console
  writes each message, edit and reaction in one write), and lines go in through ``handle_line``.
* ``slack``: the real bolt ``AsyncApp`` over HTTP on 127.0.0.1:0 (``SlackHarness``), the Web API on
  ``MockSlackApi``; clicks and events are signed requests.
* ``discord``: the real ``PracticeBot`` logged in against ``FakeDiscord`` (``DiscordHarness``);
  interactions and messages go through the client's own gateway parser.

The database, scorer and clock fixtures (``service``, ``clock``) and the fakes (``api``, ``fake``) are the
adapter suites' own, imported from their conftests.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote

import pytest

import tests.adapters.discord.conftest as discord_suite
import tests.adapters.slack.conftest as slack_suite
from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord.views import custom_id
from bot.adapters.slack import SlackAdapter
from bot.core.messages import Action, InMessage, OutMessage, Reply
from bot.core.ports import Chat
from bot.core.records import InterviewRecord
from bot.core.refs import ChannelRef, MessageRef, Platform, Target, ThreadRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.adapters.discord.fake_api import (
    BOT_USER,
    CHANNEL_ID,
    GUILD_ID,
    FakeDiscord,
    JsonObject,
    components_custom_ids,
)
from tests.adapters.discord.harness import ALICE as DISCORD_ALICE
from tests.adapters.discord.harness import DiscordHarness
from tests.adapters.discord.harness import settings as discord_settings
from tests.adapters.slack.conftest import ALICE, FAST, SECRET, SlackHarness, member, slack_settings
from tests.adapters.slack.conftest import buttons as slack_buttons
from tests.adapters.slack.conftest import channel as slack_channel
from tests.adapters.slack.mock_api import BOT_ID, BOT_USER_ID, ApiCall, MockSlackApi
from tests.adapters.slack.signed import SignedClient

# The adapter suites' own fixtures, used here too: the fakes (`api`: MockSlackApi; `fake`: FakeDiscord with
# discord.py pointed at it) and one `service` on a fresh SQLite database with a `clock` (FakeClock).
api = slack_suite.api
clock = slack_suite.clock
service = slack_suite.service
fake = discord_suite.fake

PLATFORMS: tuple[Platform, ...] = ("console", "slack", "discord")
INTERVIEW = "interview url-shortener 15"


class ContractHarness(Protocol):
    """What every contract test needs from an adapter, whatever the platform."""

    platform: Platform
    service: PracticeService
    check_mark: str
    """How the platform shows the neutral ``white_check_mark`` reaction."""

    @property
    def chat(self) -> Chat: ...

    @property
    def channel(self) -> ChannelRef:
        """A channel the fake platform knows."""
        ...

    async def thread(self) -> ThreadRef:
        """A new thread the fake knows: a root posted in ``channel``, then ``chat.start_thread``."""
        ...

    async def posted(self, where: Target) -> list[str]:
        """Texts the platform received as new messages at ``where`` (that channel, outside threads; or
        that thread), oldest first."""
        ...

    def posted_ids(self, where: Target) -> list[str] | None:
        """The platform's ids of those messages (``None``: the platform shows none, the console)."""
        ...

    def buttons(self, ref: MessageRef) -> list[str]:
        """Labels of the buttons the platform shows on that message, in order."""
        ...

    async def click(self, ref: MessageRef, action: str, value: str) -> Action:
        """Click the rendered button (action, value) on ``ref`` through the adapter's real inbound path;
        return the neutral ``Action`` the core received."""
        ...

    def edits(self, ref: MessageRef) -> list[str]:
        """New texts the platform recorded for that message (it must be a message at ``ref``'s place)."""
        ...

    def reactions(self, ref: MessageRef) -> list[str]:
        """Reactions the platform recorded on that message."""
        ...

    async def start_interview(self) -> InterviewRecord:
        """``/practice interview ...`` by a person through the adapter's command path."""
        ...

    async def deliver_message(self, thread: ThreadRef, text: str) -> None:
        """That person writes ``text`` in ``thread`` (inbound, until handled)."""
        ...

    async def deliver_own_message(self, thread: ThreadRef, text: str) -> None:
        """A message authored by the bot itself arrives in ``thread`` (inbound, until handled or dropped)."""
        ...


# ---------------------------------------------------------------------------- observing the core
@contextlib.contextmanager
def recording_actions(service: PracticeService) -> Iterator[list[Action]]:
    """Replace ``service.handle_action`` (the core's edge) with a recorder that answers nothing."""
    seen: list[Action] = []

    async def record(action: Action) -> Reply:
        seen.append(action)
        return Reply()

    service.handle_action = record  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del service.handle_action


@contextlib.contextmanager
def recording_messages(service: PracticeService) -> Iterator[list[InMessage]]:
    """Record every ``InMessage`` that reaches ``service.handle_message``, then let the core handle it."""
    seen: list[InMessage] = []
    handle = service.handle_message

    async def record(message: InMessage) -> None:
        seen.append(message)
        await handle(message)

    service.handle_message = record  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del service.handle_message


def _one(found: list[Any], what: str) -> Any:
    assert len(found) == 1, f"expected exactly one {what}, found {len(found)}"
    return found[0]


# ---------------------------------------------------------------------------- console
_EDIT = re.compile(r"\(edited (?P<id>\S+)\) (?P<text>.*)", re.DOTALL)
_REACTION = re.compile(r'(?:  \[thread \d+\] )?(?P<mark>\S+) on "(?P<quote>.*)"')
_THREAD_OPENED = re.compile(r"  \[thread \d+\] -- .* \(type to answer here\) --")
_THREAD_LINE = re.compile(r"  \[thread (?P<n>\d+)\](?: |$)")
_THREAD_MARK = re.compile(r"^\s*\[thread \d+\] ?", re.MULTILINE)
_CHOICE = re.compile(r"\[!(?P<n>\d+)\] (?P<label>.*?)(?=  \[!\d+\] |$)")


class Terminal(io.StringIO):
    """The console's stdout, keeping each write apart (one write is one message, edit or reaction)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text.removesuffix("\n"))
        return super().write(text)


class ConsoleContract:
    platform: Platform = "console"
    check_mark = "✅"

    def __init__(self, adapter: ConsoleAdapter, terminal: Terminal, service: PracticeService) -> None:
        self.adapter = adapter
        self.terminal = terminal
        self.service = service

    @property
    def chat(self) -> Chat:
        return self.adapter.chat

    @property
    def channel(self) -> ChannelRef:
        return self.adapter.channel

    async def thread(self) -> ThreadRef:
        root = await self.chat.send(self.channel, OutMessage(text="A thread's root"))
        return await self.chat.start_thread(root, "A thread")

    def _messages(self) -> list[tuple[int | None, str]]:
        """(thread number or None for the channel, text) of every message shown, in order."""
        shown: list[tuple[int | None, str]] = []
        for write in self.terminal.writes:
            if _EDIT.fullmatch(write) or _REACTION.fullmatch(write) or _THREAD_OPENED.fullmatch(write):
                continue
            if write.startswith("bot> "):
                shown.append((None, write.removeprefix("bot> ")))
                continue
            lines = write.split("\n")
            marks = [_THREAD_LINE.match(line) for line in lines]
            if all(marks) and len({m["n"] for m in marks if m}) == 1:
                text = "\n".join(line[m.end():] for line, m in zip(lines, marks, strict=True) if m)
                shown.append((int(marks[0]["n"]) if marks[0] else 0, text))
        return shown

    async def posted(self, where: Target) -> list[str]:
        number = self.adapter.chat.thread_number(where) if isinstance(where, ThreadRef) else None
        return [text for place, text in self._messages() if place == number]

    def posted_ids(self, where: Target) -> list[str] | None:
        return None  # a terminal shows no message ids (only edits and reactions name one)

    def buttons(self, ref: MessageRef) -> list[str]:
        # The console shows a message's buttons as `[!N] label` choices, and `!N` presses one of the
        # latest message that has buttons: older messages' buttons cannot be pressed any more.
        if self.adapter.chat.last_button_message != ref:
            return []
        last = next(w for w in reversed(self.terminal.writes) if "[!1] " in w).split("\n")[-1]
        return [m["label"] for m in _CHOICE.finditer(last.strip())]

    async def click(self, ref: MessageRef, action: str, value: str) -> Action:
        chat = self.adapter.chat
        assert chat.last_button_message == ref, "the console presses the latest message's buttons only"
        number = _one([n for n, b in enumerate(chat.last_buttons, start=1) if (b.action, b.value) == (action, value)],
                      f"button {action}/{value}")
        assert len(self.buttons(ref)) >= number, "the button is shown as a numbered choice"
        with recording_actions(self.service) as seen:
            await self.adapter.handle_line(f"!{number}")
        return _one(seen, "action")

    def edits(self, ref: MessageRef) -> list[str]:
        found = [m for w in self.terminal.writes if (m := _EDIT.fullmatch(w)) and m["id"] == ref.message_id]
        return [_THREAD_MARK.sub("", m["text"]) for m in found]

    def reactions(self, ref: MessageRef) -> list[str]:
        quote = self.adapter.chat.quote(ref)  # the console names a message by its words, not its id
        return [m["mark"] for w in self.terminal.writes if (m := _REACTION.fullmatch(w)) and m["quote"] == quote]

    async def start_interview(self) -> InterviewRecord:
        await self.adapter.handle_line(f"/practice {INTERVIEW}")
        interview = await self.service.store.active_interview(self.adapter.user)
        assert interview is not None and interview.thread is not None
        return interview

    async def deliver_message(self, thread: ThreadRef, text: str) -> None:
        await self.adapter.handle_line(f"/thread {self.adapter.chat.thread_number(thread)}")
        await self.adapter.handle_line(text)

    async def deliver_own_message(self, thread: ThreadRef, text: str) -> None:
        # The console's own messages go to the terminal (stdout) and its input comes only from stdin:
        # no path carries the bot's words back in. The bot says it in the thread, and that is all.
        await self.chat.send(thread, OutMessage(text=text))


# ---------------------------------------------------------------------------- Slack
class SlackContract:
    platform: Platform = "slack"
    check_mark = "white_check_mark"

    def __init__(self, slack: SlackHarness) -> None:
        self.slack = slack
        self.api: MockSlackApi = slack.api
        self.service = slack.service

    @property
    def chat(self) -> Chat:
        chat = self.slack.adapter.chat
        assert chat is not None
        return chat

    @property
    def channel(self) -> ChannelRef:
        return slack_channel()

    async def thread(self) -> ThreadRef:
        root = await self.chat.send(self.channel, OutMessage(text="A thread's root"))
        return await self.chat.start_thread(root, "A thread")

    def _posts(self, where: Target) -> list[ApiCall]:
        if isinstance(where, ThreadRef):
            return self.api.posts(channel=where.channel.channel_id, thread_ts=where.thread_id)
        return self.api.posts(channel=where.channel_id, in_thread=False)

    def _post(self, ref: MessageRef) -> ApiCall:
        """The accepted ``chat.postMessage`` Slack answered with ``ref``'s ts, at ``ref``'s place."""
        return _one([c for c in self._posts(ref.thread or ref.channel) if c.ts == ref.message_id], "post")

    async def posted(self, where: Target) -> list[str]:
        return [call.text for call in self._posts(where)]

    def posted_ids(self, where: Target) -> list[str] | None:
        return [call.ts for call in self._posts(where)]

    def buttons(self, ref: MessageRef) -> list[str]:
        return [element["text"]["text"] for element in slack_buttons(self._post(ref))]

    async def click(self, ref: MessageRef, action: str, value: str) -> Action:
        rendered = slack_buttons(self._post(ref))
        element = _one([e for e in rendered if (e["action_id"], e.get("value")) == (action, value)],
                       f"button {action}/{value}")
        with recording_actions(self.service) as seen:
            await self.slack.click(ALICE, element["action_id"], element["value"], message_ts=ref.message_id,
                                   thread_ts=ref.thread.thread_id if ref.thread else None,
                                   channel=ref.channel.channel_id)
        return _one(seen, "action")

    def _calls_on(self, method: str, ref: MessageRef, ts_param: str) -> list[ApiCall]:
        self._post(ref)  # the ref names a message Slack accepted at that place
        return [c for c in self.api.calls_to(method) if c.answer.get("ok")
                and (c.params.get("channel"), c.params.get(ts_param)) == (ref.channel.channel_id, ref.message_id)]

    def edits(self, ref: MessageRef) -> list[str]:
        return [str(c.params.get("text")) for c in self._calls_on("chat.update", ref, "ts")]

    def reactions(self, ref: MessageRef) -> list[str]:
        return [str(c.params.get("name")) for c in self._calls_on("reactions.add", ref, "timestamp")]

    async def start_interview(self) -> InterviewRecord:
        await self.slack.command(INTERVIEW)
        interview = await self.service.store.active_interview(member(ALICE))
        assert interview is not None and interview.thread is not None
        return interview

    async def deliver_message(self, thread: ThreadRef, text: str) -> None:
        await self.slack.say(ALICE, text, thread_ts=thread.thread_id, channel=thread.channel.channel_id)

    async def deliver_own_message(self, thread: ThreadRef, text: str) -> None:
        ts = self.slack.new_ts()
        event = {"type": "message", "channel": thread.channel.channel_id, "user": BOT_USER_ID, "bot_id": BOT_ID,
                 "text": text, "ts": ts, "event_ts": ts, "thread_ts": thread.thread_id, "channel_type": "channel"}
        # Not waiting for a job: an event the app drops is acked without one.
        await self.slack.event(event, processed=False)
        await self.slack.adapter.settle()


# ---------------------------------------------------------------------------- Discord
def _discord_text(message: JsonObject) -> str:
    """What a person reads: the content, or each embed's title and description."""
    if message.get("content"):
        return str(message["content"])
    return "\n".join(str(embed[key]) for embed in message.get("embeds") or []
                     for key in ("title", "description") if embed.get(key))


def _discord_labels(message: JsonObject) -> list[str]:
    return [str(c.get("label", "")) for row in message.get("components") or [] for c in row.get("components", [])
            if c.get("type") == 2]


class DiscordContract:
    platform: Platform = "discord"
    check_mark = "✅"
    person: ClassVar[UserRef] = UserRef("discord", str(DISCORD_ALICE.id), str(GUILD_ID))

    def __init__(self, discord: DiscordHarness) -> None:
        self.discord = discord
        self.fake: FakeDiscord = discord.fake
        self.service = discord.service

    @property
    def chat(self) -> Chat:
        return self.discord.bot.chat

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef("discord", str(CHANNEL_ID), str(GUILD_ID))

    async def thread(self) -> ThreadRef:
        root = await self.chat.send(self.channel, OutMessage(text="A thread's root"))
        return await self.chat.start_thread(root, "A thread")

    @staticmethod
    def _place(where: Target) -> int:
        """Discord posts a thread's messages in the thread's own channel."""
        return int(where.thread_id if isinstance(where, ThreadRef) else where.channel_id)

    def _message(self, ref: MessageRef) -> JsonObject:
        message: JsonObject | None = self.fake.messages.get(int(ref.message_id))
        assert message is not None and message["channel_id"] == str(self._place(ref.thread or ref.channel))
        return message

    async def posted(self, where: Target) -> list[str]:
        return [_discord_text(m) for m in self.fake.posted_in(self._place(where))]

    def posted_ids(self, where: Target) -> list[str] | None:
        return [str(m["id"]) for m in self.fake.posted_in(self._place(where))]

    def buttons(self, ref: MessageRef) -> list[str]:
        return _discord_labels(self._message(ref))

    async def click(self, ref: MessageRef, action: str, value: str) -> Action:
        message = self._message(ref)
        wanted = custom_id(action, value)  # the documented encoding, `pb:{action}:{value}`
        assert wanted in components_custom_ids(message), f"no rendered button {action}/{value}"
        with recording_actions(self.service) as seen:
            await self.discord.press(message, str(wanted), user=DISCORD_ALICE)
        return _one(seen, "action")

    def _calls_on(self, method: str, ref: MessageRef, tail: str) -> list[Any]:
        self._message(ref)
        place = self._place(ref.thread or ref.channel)
        return self.fake.find(method, rf"/channels/{place}/messages/{ref.message_id}{tail}")

    def edits(self, ref: MessageRef) -> list[str]:
        return [_discord_text(c.json) for c in self._calls_on("PATCH", ref, "") if c.status == 200]

    def reactions(self, ref: MessageRef) -> list[str]:
        calls = self._calls_on("PUT", ref, "/reactions/[^/]+/@me")
        return [unquote(c.path.split("/")[-2]) for c in calls if c.status == 204]

    async def start_interview(self) -> InterviewRecord:
        await self.discord.slash("interview", scenario="url-shortener", minutes=15)
        interview = await self.service.store.active_interview(self.person)
        assert interview is not None and interview.thread is not None
        return interview

    async def deliver_message(self, thread: ThreadRef, text: str) -> None:
        await self.discord.say(int(thread.thread_id), text, user=DISCORD_ALICE)

    async def deliver_own_message(self, thread: ThreadRef, text: str) -> None:
        payload = self.discord.message_payload(int(thread.thread_id), text, user=DISCORD_ALICE)
        payload["author"] = dict(BOT_USER)
        payload.pop("member")

        def feed() -> None:
            self.discord.bot._connection.parse_message_create(payload)

        await self.discord._handled("message", int(payload["id"]), feed)


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture
async def console_contract(service: PracticeService) -> AsyncIterator[ConsoleContract]:
    terminal = Terminal()
    adapter = ConsoleAdapter(service, timezone="UTC", stdin=io.StringIO(""), stdout=terminal, user_name="alice")
    # As tests/adapters/console drives it in process: started (attaches its Chat), its stdin loop
    # stopped, then lines fed through handle_line.
    await adapter.start()
    await adapter.stop()
    yield ConsoleContract(adapter, terminal, service)
    await service.dispatcher.drain()


@pytest.fixture
async def slack_contract(api: MockSlackApi, service: PracticeService, clock: FakeClock
                         ) -> AsyncIterator[SlackContract]:
    # The adapter suite's `slack` fixture, built on the same pieces.
    adapter = SlackAdapter(slack_settings(api), service, options=FAST)
    await adapter.start()
    try:
        async with SignedClient(f"http://127.0.0.1:{adapter.port}", SECRET) as client:
            yield SlackContract(SlackHarness(adapter, api, service, clock, client))
    finally:
        await adapter.stop()
        await service.dispatcher.drain()


@pytest.fixture
async def discord_contract(fake: FakeDiscord, service: PracticeService,
                           clock: FakeClock) -> AsyncIterator[DiscordContract]:
    # The adapter suite's `make_harness`, on the shared service: REST login, no gateway connection.
    harness = DiscordHarness(fake, service, clock, discord_settings())
    await harness.login()
    try:
        yield DiscordContract(harness)
    finally:
        await harness.close()
        await service.dispatcher.drain()


@pytest.fixture(params=PLATFORMS)
def harness(request: pytest.FixtureRequest) -> ContractHarness:
    """The adapter under contract: console, Slack or Discord."""
    made: ContractHarness = request.getfixturevalue(f"{request.param}_contract")
    return made
