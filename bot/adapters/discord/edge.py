"""Gateway payloads the bot reads, checked before discord.py parses them.

discord.py's parsers trust the gateway: a payload with a missing key or an id that is not a
snowflake raises inside the parser, out of the gateway's read loop. The events the bot listens to
(interactions, message create / update / delete) are wrapped: the fields the bot and the library
read are validated with pydantic first, and a payload that does not fit, or that the library still
cannot parse, is dropped with one warning naming the event and its id, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo, model_validator

log = logging.getLogger(__name__)

Snowflake = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]
Token = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,512}$")]
"""An interaction token goes into the callback URL's path: nothing that could change the path."""


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Author(_Shape):
    id: Snowflake
    username: str = ""
    bot: bool = False


class _ComponentData(_Shape):
    custom_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    component_type: int


OptionValue = Annotated[str, StringConstraints(max_length=6000)] | int | float | bool


SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, NUMBER = 1, 2, 3, 4, 5, 10
_VALUE_TYPES: dict[int, tuple[type, ...]] = {STRING: (str,), INTEGER: (int,), BOOLEAN: (bool,), NUMBER: (int, float)}


class _Option(_Shape):
    name: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    type: int
    value: OptionValue | None = None
    focused: bool = False
    options: Annotated[list[_Option], Field(max_length=25)] = []

    @model_validator(mode="after")
    def _value_fits_its_type(self) -> _Option:
        """discord.py hands a command the option's value as sent: an int where a text was declared would
        reach our code. (A focused autocomplete value is partial text whatever the type.)"""
        expected = _VALUE_TYPES.get(self.type)
        if self.value is None or self.focused or expected is None:
            return self
        if isinstance(self.value, bool) != (bool in expected) or not isinstance(self.value, expected):
            raise ValueError(f"option {self.name} is not of its type")
        return self


class _ResolvedUser(_Shape):
    id: Snowflake
    username: str = ""


class _Resolved(_Shape):
    users: dict[Snowflake, _ResolvedUser] = {}
    members: dict[Snowflake, dict[str, Any]] = {}
    channels: dict[Snowflake, dict[str, Any]] = {}
    roles: dict[Snowflake, dict[str, Any]] = {}


class _CommandData(_Shape):
    id: Snowflake
    name: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    type: int = 1
    options: Annotated[list[_Option], Field(max_length=25)] = []
    resolved: _Resolved | None = None


class _Member(_Shape):
    user: _Author
    permissions: Snowflake | None = None
    roles: list[Snowflake] = []


APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE = 2, 3, 4


class InteractionPayload(_Shape):
    id: Snowflake
    application_id: Snowflake
    type: int
    token: Token
    version: int = 1
    guild_id: Snowflake | None = None
    channel_id: Snowflake | None = None
    member: _Member | None = None
    user: _Author | None = None
    data: dict[str, Any] | None = None
    message: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _data_fits_the_type(self, info: ValidationInfo) -> InteractionPayload:
        """A command's options and a click's custom id are read by the library before any of our code."""
        if self.type in {APPLICATION_COMMAND, AUTOCOMPLETE}:
            command = _CommandData.model_validate(self.data)
            _options_fit(command, (info.context or {}).get("option_types"))
        elif self.type == COMPONENT:
            _ComponentData.model_validate(self.data)
            if self.message is not None:
                MessagePayload.model_validate(self.message)
        if self.member is None and self.user is None:
            raise ValueError("an interaction names who sent it")
        return self


class MessagePayload(_Shape):
    id: Snowflake
    channel_id: Snowflake
    guild_id: Snowflake | None = None
    author: _Author
    content: str = ""
    type: int = 0
    timestamp: Annotated[str, StringConstraints(max_length=64)] = ""


class MessageUpdatePayload(_Shape):
    id: Snowflake
    channel_id: Snowflake
    guild_id: Snowflake | None = None
    author: _Author | None = None
    content: str | None = None


class MessageDeletePayload(_Shape):
    id: Snowflake
    channel_id: Snowflake
    guild_id: Snowflake | None = None


class BulkDeletePayload(_Shape):
    ids: list[Snowflake]
    channel_id: Snowflake
    guild_id: Snowflake | None = None


OptionTypes = Callable[[str, str], dict[str, int] | None]
"""``(command, subcommand) -> {option name: option type}`` as the bot declared them (None: unknown)."""


def _options_fit(command: _CommandData, option_types: OptionTypes | None) -> None:
    """Each option is one the command declares, of the type it declares (a text where a number was
    declared would reach the command's code as it is)."""
    if option_types is None:
        return
    for sub in command.options:
        if sub.type != SUB_COMMAND:
            continue
        declared = option_types(command.name, sub.name)
        if declared is None:
            continue  # unknown to the bot: the library answers it (CommandNotFound)
        for option in sub.options:
            if declared.get(option.name) != option.type:
                raise ValueError(f"option {option.name} is not one /{command.name} {sub.name} declares")


SHAPES: dict[str, type[_Shape]] = {
    "INTERACTION_CREATE": InteractionPayload,
    "MESSAGE_CREATE": MessagePayload,
    "MESSAGE_UPDATE": MessageUpdatePayload,
    "MESSAGE_DELETE": MessageDeletePayload,
    "MESSAGE_DELETE_BULK": BulkDeletePayload,
}


def _shown(value: object) -> str:
    return repr(value)[:40]


def _checked(event: str, shape: type[_Shape], parse: Callable[[Any], None],
             option_types: OptionTypes | None) -> Callable[[Any], None]:
    def parse_checked(data: Any) -> None:
        key = _shown(data.get("id")) if isinstance(data, dict) else "?"
        if not isinstance(data, dict):
            log.warning("Discord %s dropped: not an object", event)
            return
        try:
            shape.model_validate(data, context={"option_types": option_types})
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "payload"
            what = "missing" if first["type"] == "missing" else "invalid"
            if first["type"] == "value_error":  # our own checks say which option: quoted, cut short
                what = repr(str(first.get("ctx", {}).get("error", "")))[:80]
            log.warning("Discord %s %s dropped: %s is %s", event, key, where, what)
            return
        try:
            parse(data)
        except Exception as exc:  # the library's parser met something the shape let through
            log.warning("Discord %s %s dropped: the library could not parse it (%s: %s)", event, key,
                        type(exc).__name__, str(exc)[:80])

    return parse_checked


def check_payloads(parsers: dict[str, Callable[[Any], None]], *, option_types: OptionTypes | None = None) -> None:
    """Wrap the gateway parsers of the events the bot reads (``ConnectionState.parsers``, which the
    gateway looks each event up in) so each payload is checked first."""
    for event, shape in SHAPES.items():
        parse = parsers.get(event)
        if parse is not None and getattr(parse, "__name__", "") != "parse_checked":
            parsers[event] = _checked(event, shape, parse, option_types)
