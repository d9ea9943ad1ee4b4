"""The shapes of the Slack payloads the bot reads, validated where they enter (HTTP door, Socket Mode).

Nothing a platform sends is trusted: ids are Slack-shaped (no separators that would break a
key, no control characters), timestamps are Slack ``ts`` strings a datetime can hold, texts are
strings. A payload that does not fit raises ``BadPayload`` with a short reason, which the door
answers with 400 and a listener logs once as a warning with the event key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""``T0TEAM``, ``U0ALICE``, ``C0PRACTICE``: what keys and refs are built from."""
SlackTs = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}(\.[0-9]{1,9})?$")]
"""``1712345678.000200``: at most ten digits of seconds, so it is a datetime (before 2286)."""
ShortText = Annotated[str, StringConstraints(max_length=255)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]{1,2000}$")]


class BadPayload(ValueError):
    """A payload the bot cannot read; ``reason`` is short and safe to answer with."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Shape):
    team_id: SlackId
    user_id: SlackId
    channel_id: SlackId
    command: ShortText
    text: str = ""
    user_name: ShortText = ""
    response_url: Url
    trigger_id: ShortText = ""


class _Id(_Shape):
    id: SlackId


class _Clicker(_Shape):
    id: SlackId
    username: ShortText = ""
    team_id: SlackId | None = None


class _Container(_Shape):
    channel_id: SlackId | None = None
    message_ts: SlackTs | None = None
    thread_ts: SlackTs | None = None


class _ClickedMessage(_Shape):
    ts: SlackTs | None = None
    thread_ts: SlackTs | None = None


class _Clicked(_Shape):
    action_id: Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,255}$")]
    value: Annotated[str, StringConstraints(max_length=2000)] = ""
    action_ts: SlackTs | None = None


class BlockActions(_Shape):
    type: Literal["block_actions"]
    team: _Id | None = None
    user: _Clicker
    channel: _Id | None = None
    container: _Container | None = None
    message: _ClickedMessage | None = None
    actions: Annotated[list[_Clicked], Field(min_length=1, max_length=25)]
    response_url: Url | None = None
    trigger_id: ShortText = ""

    @property
    def team_id(self) -> str:
        if self.team is not None:
            return self.team.id
        return self.user.team_id or ""

    @property
    def channel_id(self) -> str:
        if self.channel is not None:
            return self.channel.id
        return (self.container.channel_id if self.container else None) or ""

    @property
    def message_ts(self) -> str:
        ts = self.message.ts if self.message else None
        return ts or (self.container.message_ts if self.container else None) or ""

    @property
    def thread_ts(self) -> str | None:
        ts = self.message.thread_ts if self.message else None
        return ts or (self.container.thread_ts if self.container else None)


class _EventHead(_Shape):
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class EventCallback(_Shape):
    type: Literal["event_callback"]
    team_id: SlackId
    event_id: SlackId | None = None
    event: _EventHead


class UrlVerification(_Shape):
    type: Literal["url_verification"]
    challenge: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class InnerMessage(_Shape):
    ts: SlackTs | None = None
    thread_ts: SlackTs | None = None
    text: str | None = None
    user: SlackId | None = None
    bot_id: SlackId | None = None
    subtype: ShortText | None = None


class MessagePayload(_Shape):
    """A ``message`` event, with the fields of its subtypes the bot reads."""

    type: Literal["message"]
    channel: SlackId | None = None
    subtype: ShortText | None = None
    ts: SlackTs | None = None
    thread_ts: SlackTs | None = None
    text: str | None = None
    user: SlackId | None = None
    bot_id: SlackId | None = None
    deleted_ts: SlackTs | None = None
    message: InnerMessage | None = None
    previous_message: InnerMessage | None = None


Shape = TypeVar("Shape", bound=_Shape)


def read(shape: type[Shape], data: Any) -> Shape:
    """``data`` as ``shape``, or ``BadPayload`` naming the first field that does not fit."""
    if not isinstance(data, dict):
        raise BadPayload("not an object")
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise BadPayload(f"{where}: {'missing' if first['type'] == 'missing' else 'invalid'}") from None


class AppHomeOpened(_Shape):
    """An ``app_home_opened`` event: a member opened the app's Home (or Messages) tab."""

    type: Literal["app_home_opened"]
    user: SlackId
    tab: ShortText = "home"
