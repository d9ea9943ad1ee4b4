"""Console chat: one channel, threads shown with a marker, the clock optionally sped up.

Typing ``/practice ...`` runs a command; anything else is a message in the current
thread (the latest interview or prompt thread, or the one picked with ``/thread N``).
A reply that asks before doing something that cannot be undone (its buttons include a
``danger`` one, like forget-me's) is asked as y/n: ``y`` presses that button, anything else
presses the other one (nothing happens) and is then read as usual.
Files (charts) are written to a directory (``files_dir``, by default ``practice-bot-files`` in the
system's temporary directory) and their path is printed with their alt text.
On end of input the session plays out: the adapter waits until no interview is active
and nothing is left to send, then stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import itertools
import logging
import sys
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from bot.adapters.console.render import render
from bot.core.errors import new_error_id
from bot.core.guard import guarded
from bot.core.inbox import (
    InboundItem,
    InboxRecord,
    action_of,
    action_payload,
    command_of,
    command_payload,
    message_of,
    message_payload,
)
from bot.core.messages import (
    Action,
    Attachment,
    Button,
    Capabilities,
    CommandContext,
    InMessage,
    OutMessage,
    Reply,
)
from bot.core.normalise import display_name
from bot.core.refs import ChannelRef, MessageRef, Platform, Target, ThreadRef, UserRef
from bot.core.service import PracticeService

log = logging.getLogger(__name__)

COMMAND_KIND = "console.command"
ACTION_KIND = "console.action"
MESSAGE_KIND = "console.message"

HELP = (
    "Console: `/practice help` for commands; plain text goes to the current thread; "
    "`!N` presses button N; `/thread N` picks a thread; `/channel` leaves it; `/quit` exits."
)


class ConsoleChat:
    platform: Platform = "console"
    capabilities = Capabilities(threads=True, buttons=True, edits=True, reactions=True, ephemeral=True,
                                max_text=4000)

    def __init__(self, out: TextIO, *, files_dir: Path | None = None) -> None:
        self._out = out
        self.files_dir = files_dir or Path(tempfile.gettempdir()) / "practice-bot-files"
        self._file_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._thread_numbers: dict[ThreadRef, int] = {}
        self.current_thread: ThreadRef | None = None
        self.last_buttons: tuple[Button, ...] = ()
        self.last_button_message: MessageRef | None = None
        self.question: tuple[Button, Button | None, MessageRef] | None = None
        """A y/n question waiting for its answer: the button ``y`` presses, the one anything else does."""
        self._quotes: dict[str, str] = {}
        """message id -> the start of its text: a reaction names its message by what it says, not by an id."""

    def remember(self, ref: MessageRef, text: str) -> None:
        first = " ".join(text.split())
        self._quotes[ref.message_id] = first if len(first) <= 40 else first[:40].rsplit(" ", 1)[0] + "…"

    def quote(self, ref: MessageRef) -> str | None:
        return self._quotes.get(ref.message_id)

    def write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def thread_number(self, thread: ThreadRef) -> int:
        if thread not in self._thread_numbers:
            self._thread_numbers[thread] = len(self._thread_numbers) + 1
        return self._thread_numbers[thread]

    def thread_by_number(self, number: int) -> ThreadRef | None:
        for thread, n in self._thread_numbers.items():
            if n == number:
                return thread
        return None

    def save_files(self, message: OutMessage, prefix: str) -> tuple[OutMessage, list[str]]:
        """Write the message's files; the message left to print (a file that could not be written goes
        as its text fallback) and the lines that say where the files are."""
        unsaved: list[Attachment] = []
        lines: list[str] = []
        for attachment in message.files:
            try:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / f"{next(self._file_ids):04d}-{Path(attachment.filename).name}"
                path.write_bytes(attachment.data)
            except OSError as exc:
                log.warning("could not write %s to %s: %s", attachment.filename, self.files_dir, exc)
                unsaved.append(attachment)
                continue
            lines += [f"{prefix}(picture) {path}", f"{prefix}  alt: {attachment.alt}"]
        rest = replace(message, files=tuple(unsaved)).text_only()
        return replace(rest, files=()), lines

    def prefix(self, where: Target | None) -> str:
        if isinstance(where, ThreadRef):
            return f"  [thread {self.thread_number(where)}] "
        return ""

    async def send(self, where: Target, message: OutMessage) -> MessageRef:
        channel = where.channel if isinstance(where, ThreadRef) else where
        thread = where if isinstance(where, ThreadRef) else None
        ref = MessageRef(channel, f"m{next(self._ids)}", thread)
        message, pictures = self.save_files(message, self.prefix(where) or "bot> ")
        text, buttons = render(message, prefix=self.prefix(where))
        self.remember(ref, message.text.replace("*", ""))
        self.write(f"bot> {text.lstrip()}" if thread is None else text)
        for line in pictures:
            self.write(line)
        if buttons:
            self.last_buttons, self.last_button_message = buttons, ref
        return ref

    async def send_private(self, to: UserRef, near: Target, message: OutMessage) -> MessageRef:
        """One terminal has no private place: the line is marked as meant for ``to`` alone."""
        channel = near.channel if isinstance(near, ThreadRef) else near
        ref = MessageRef(ChannelRef("console", f"private-{to.user_id}", channel.workspace), f"m{next(self._ids)}")
        text, buttons = render(message, prefix=self.prefix(near), first_prefix=f"(private to {to.mention}) ")
        self.remember(ref, message.text.replace("*", ""))
        self.write(text)
        if buttons:
            self.last_buttons, self.last_button_message = buttons, ref
        return ref

    async def find_sent(self, where: Target, key: str, *, since: datetime) -> MessageRef | None:
        return None  # a terminal keeps no history to look in; one process, so nothing is uncertain but a crash

    async def start_thread(self, root: MessageRef, title: str) -> ThreadRef:
        if root.thread is not None:
            return root.thread  # no threads inside threads, as on Slack and Discord: stay in this one
        thread = ThreadRef(root.channel, f"t{root.message_id}")
        self.current_thread = thread
        self.write(f"  [thread {self.thread_number(thread)}] -- {title} (type to answer here) --")
        return thread

    async def edit(self, ref: MessageRef, message: OutMessage) -> None:
        text, _ = render(message, prefix=self.prefix(ref.thread))
        self.write(f"(edited {ref.message_id}) {text.strip()}")

    async def react(self, ref: MessageRef, emoji: str) -> None:
        mark = "✅" if emoji == "white_check_mark" else f":{emoji}:"
        quote = self.quote(ref)
        self.write(f'{self.prefix(ref.thread)}{mark} on "{quote}"' if quote else f"{self.prefix(ref.thread)}{mark}")

    def show_reply(self, reply: Reply) -> None:
        for sent in reply.messages:
            message, pictures = self.save_files(sent, "bot> ")
            text, buttons = render(message, prefix="", first_prefix="(only you) " if message.ephemeral else "")
            ref = MessageRef(ChannelRef("console", "practice", "local"), f"m{next(self._ids)}")
            self.write(f"bot> {text.strip()}")
            for line in pictures:
                self.write(line)
            if buttons:
                self.last_buttons, self.last_button_message = buttons, ref
            danger = [b for b in buttons if b.style == "danger"]
            if len(danger) == 1:
                other = next((b for b in buttons if b is not danger[0]), None)
                self.question = (danger[0], other, ref)
                self.write(f"bot> {danger[0].label}? Type y to go ahead, n to cancel.")


class ConsoleAdapter:
    name = "console"

    def __init__(self, service: PracticeService, *, timezone: str, stdin: TextIO | None = None,
                 stdout: TextIO | None = None, user_name: str | None = None,
                 clock: PausableClock | None = None) -> None:
        self._service = service
        self._stdin = stdin or sys.stdin
        self._clock = clock
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self.chat = ConsoleChat(stdout or sys.stdout)
        self._timezone = timezone
        self.channel = ChannelRef("console", "practice", "local")
        name = display_name(user_name or _login_name()) or "you"
        self.user = UserRef("console", name, "local", name)
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:12]
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._service.attach(self.chat)
        self._register_appliers()
        self._service.inbox.start()
        if await self._service.inbox.resume():  # lines a crashed run had taken and not applied
            self.chat.write("(picked up where the last run stopped)")
        scripted = not _is_tty(self._stdin)
        if scripted and self._clock is not None:
            # Replaying a script: hold the clock so each line lands in the phase it was written for;
            # time runs again at end of input and plays the rest out.
            self._clock.pause()
        loop = asyncio.get_running_loop()
        # A daemon thread, not asyncio.to_thread: a blocked read must never keep the process alive.
        threading.Thread(target=self._reader, args=(loop,), name="console-stdin", daemon=True).start()
        self.chat.write(f"practice-bot console ready. {HELP}")
        self._task = asyncio.create_task(self._loop())

    def _reader(self, loop: asyncio.AbstractEventLoop) -> None:
        raw = getattr(self._stdin, "buffer", None)  # bytes when there are any: bad UTF-8 must not end the session
        while True:
            try:
                line = _decoded(raw.readline()) if raw is not None else self._stdin.readline()
            except UnicodeDecodeError:
                line = "\n"  # a text stream that cannot decode this line: skip it, keep reading
            except (OSError, ValueError):  # closed or unreadable stdin: treat as end of input
                line = ""
            try:
                loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the loop is gone: the process is exiting
                return
            if line == "":
                return

    def is_ready(self) -> bool:
        return self._task is not None and not self._stopping.is_set()

    async def wait(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        self._stopping.set()
        await self._service.inbox.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            line = await self._lines.get()
            if line == "":
                if self._clock is not None:
                    self._clock.resume()
                await self._play_out()
                return
            text = line.rstrip("\n")
            if text.strip() in {"/quit", "/exit"}:
                return
            await self.handle_line(text)

    async def _play_out(self) -> None:
        """End of input: let running interviews finish on the (sped-up) clock, then stop."""
        while not self._stopping.is_set():
            active = await self._service.interviews.active_for(self.user)
            if active is None and not self._service.dispatcher.busy:
                await self._service.tick()
                await self._service.dispatcher.drain()
                if await self._service.interviews.active_for(self.user) is None:
                    return
            await asyncio.sleep(0.05)

    async def handle_line(self, text: str) -> None:
        stripped = text.strip()
        if self.chat.question is not None:
            yes, no, message = self.chat.question
            self.chat.question = None
            answer = stripped.lower()
            if answer in {"y", "yes"}:
                await self._click(yes, message)
                return
            if no is not None:
                await self._click(no, message)
            else:
                self.chat.write("(cancelled)")
            if answer in {"n", "no", ""}:
                return
        if not stripped:
            return
        lowered = stripped.lower()
        if lowered == "/practice" or lowered.startswith(("/practice ", "practice ")):
            ctx = CommandContext(self.channel, self.user, can_manage=True, user_timezone=self._timezone,
                                 event_key=self._key(f"c{next(self._ids)}"))
            await self._durably(self._item(COMMAND_KIND, ctx.event_key, command_payload(ctx, stripped)),
                                lambda: self._command(ctx, stripped))
        elif stripped == "/channel":
            self.chat.current_thread = None
            self.chat.write("(now writing in the channel)")
        elif stripped.startswith("/thread"):
            self._pick_thread(stripped)
        elif stripped.startswith("!") and _is_number(stripped[1:]):
            await self._press(int(stripped[1:]))
        elif stripped == "/help":
            self.chat.write(HELP)
        else:
            await self._message(text)

    def _pick_thread(self, text: str) -> None:
        _, _, number = text.partition(" ")
        thread = self.chat.thread_by_number(int(number)) if _is_number(number.strip()) else None
        if thread is None:
            self.chat.write("(no such thread; threads are numbered as shown, e.g. `/thread 1`)")
            return
        self.chat.current_thread = thread
        self.chat.write(f"(now writing in thread {number.strip()})")

    async def _press(self, number: int) -> None:
        buttons, message = self.chat.last_buttons, self.chat.last_button_message
        if not 1 <= number <= len(buttons) or message is None:
            self.chat.write("(no such button)")
            return
        await self._click(buttons[number - 1], message)

    async def _click(self, button: Button, message: MessageRef) -> None:
        action = Action(button.action, button.value, self.user, message, self._key(f"press{next(self._ids)}"))
        await self._durably(self._item(ACTION_KIND, action.event_key, action_payload(action)),
                            lambda: self._action(action))

    async def _message(self, text: str) -> None:
        thread = self.chat.current_thread
        ref = MessageRef(self.channel, f"u{next(self._ids)}", thread)
        self.chat.remember(ref, text)
        message = InMessage(
            ref=ref,
            author=self.user,
            text=text,
            event_key=self._key(ref.message_id),
            sent_at=self._service.clock.now(),
            author_timezone=self._timezone,
        )
        await self._durably(self._item(MESSAGE_KIND, message.event_key, message_payload(message)),
                            lambda: self._said(message))

    def _key(self, local: str) -> str:
        """A line's key: unique across runs on the same database (the run's id, then the line's)."""
        return f"console:{self._run}:{local}"

    def _item(self, kind: str, key: str, payload: dict[str, Any]) -> InboundItem:
        return InboundItem("console", key, kind, "console", payload, workspace=self.user.workspace,
                           member=self.user.user_id)

    async def _durably(self, item: InboundItem, job: Callable[[], Awaitable[None]]) -> None:
        """Write the line to the inbox, then apply it here (a crash in between: applied at next start)."""
        try:
            await self._service.inbox.accept(item, job, inline=True)
        except Exception:
            log.exception("error %s: could not take console line %s", new_error_id(), item.key)
            self.chat.write("(the database did not answer, so that line was not taken: please type it again)")

    async def _command(self, ctx: CommandContext, text: str) -> None:
        self.chat.show_reply(await guarded(self._service.handle_command(ctx, text), what="console command"))
        # One person at a keyboard: what the command posts (an interview's first phase) comes before the next line.
        await self._service.dispatcher.flush(bulk=False)

    async def _action(self, action: Action) -> None:
        self.chat.show_reply(await guarded(self._service.handle_action(action), what="console button"))

    async def _said(self, message: InMessage) -> None:
        self.chat.show_reply(await guarded(self._handle(message), what="console message"))

    def _register_appliers(self) -> None:
        inbox = self._service.inbox

        async def command(record: InboxRecord) -> None:
            await self._command(*command_of(record.item.payload))

        async def action(record: InboxRecord) -> None:
            await self._action(action_of(record.item.payload))

        async def message(record: InboxRecord) -> None:
            await self._said(message_of(record.item.payload))

        inbox.register(COMMAND_KIND, command)
        inbox.register(ACTION_KIND, action)
        inbox.register(MESSAGE_KIND, message)

    async def _handle(self, message: InMessage) -> Reply:
        await self._service.handle_message(message)
        if message.ref.thread is None:
            self.chat.write("(messages outside a thread are not answers; start with `/practice interview`)")
        return Reply()


class PausableClock(Protocol):
    def pause(self) -> None: ...

    def resume(self) -> None: ...


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _login_name() -> str:
    try:
        return getpass.getuser() or "you"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "you"


def _is_number(text: str) -> bool:
    """ASCII digits only: ``"²".isdigit()`` is true and ``int("²")`` raises. Short, so ``int`` is cheap."""
    return 0 < len(text) <= 6 and text.isascii() and text.isdigit()


def _decoded(line: bytes) -> str:
    """A line read as bytes: invalid UTF-8 shown as U+FFFD instead of ending the session."""
    return line.decode("utf-8", "replace")
