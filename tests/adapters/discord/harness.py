"""Drive a real ``PracticeBot`` the way Discord's gateway does: payloads into the client's own parser.

Interactions go through ``ConnectionState.parse_interaction_create`` (so the real ``CommandTree``,
transformers, autocomplete and ``DynamicItem`` dispatch run), messages through
``parse_message_create`` / ``parse_message_update`` / ``parse_message_delete``. Every wait is on an
event the bot dispatches (``app_command_completion``, ``practice_handled``) with a timeout.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.client import PracticeBot
from bot.config import Settings
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.adapters.discord.fake_api import APPLICATION_ID, CHANNEL_ID, GUILD_ID, FakeDiscord, JsonObject

TIMEOUT = 10.0
MANAGE_CHANNELS = 1 << 4
SEND_MESSAGES = 1 << 11
EVERYONE_PERMISSIONS = (1 << 10) | SEND_MESSAGES | (1 << 38)
ATTACH_FILES = 1 << 15
_ids = itertools.count(1)
_SNOWFLAKE_STEPS = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: int
    name: str

    def user(self) -> JsonObject:
        return {"id": str(self.id), "username": self.name.lower(), "global_name": self.name,
                "discriminator": "0", "avatar": None, "bot": False}

    def member(self, permissions: int) -> JsonObject:
        return {"user": self.user(), "roles": [], "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False,
                "mute": False, "flags": 0, "nick": None, "avatar": None, "pending": False,
                "permissions": str(permissions), "communication_disabled_until": None}


ALICE = Person(1_100_000_000_000_000_501, "Alice")
BOB = Person(1_100_000_000_000_000_502, "Bob")
ADMIN = Person(1_100_000_000_000_000_503, "Ada")


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": "fake-token",
        "discord_application_id": str(APPLICATION_ID),
        "discord_dev_guild_id": GUILD_ID,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _option(name: str, value: object) -> JsonObject:
    if isinstance(value, Person):
        return {"name": name, "type": 6, "value": str(value.id)}
    if isinstance(value, bool) or not isinstance(value, int):
        return {"name": name, "type": 3, "value": str(value)}
    return {"name": name, "type": 4, "value": value}


class DiscordHarness:
    def __init__(self, fake: FakeDiscord, service: PracticeService, clock: FakeClock, config: Settings) -> None:
        self.fake = fake
        self.service = service
        self.clock = clock
        self.adapter = DiscordAdapter(config, service, guild_ready_timeout=0.05)
        self._message_ids = _SNOWFLAKE_STEPS  # shared: a restarted bot never sees an id again, as on Discord

    @property
    def bot(self) -> PracticeBot:
        return self.adapter.bot

    async def login(self) -> None:
        await self.adapter.login()

    async def close(self) -> None:
        await self.adapter.stop()

    # ------------------------------------------------------------------ payloads
    def snowflake(self) -> int:
        """An id whose timestamp is the fake clock's now (Discord ids carry their creation time)."""
        return discord.utils.time_snowflake(self.clock.now()) + next(self._message_ids)

    def channel_payload(self, channel_id: int) -> JsonObject:
        return self.fake.channels[channel_id]

    def interaction(self, kind: int, data: JsonObject, *, user: Person, permissions: int,
                    channel_id: int = CHANNEL_ID, message: JsonObject | None = None,
                    app_permissions: int = EVERYONE_PERMISSIONS) -> JsonObject:
        interaction_id = self.snowflake()
        payload: JsonObject = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{interaction_id}-{next(_ids)}",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": self.channel_payload(channel_id),
            "member": user.member(permissions),
            "app_permissions": str(app_permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
        }
        if message is not None:
            payload["message"] = message
        return payload

    def slash_payload(self, subcommand: str, *, user: Person = ALICE, permissions: int = EVERYONE_PERMISSIONS,
                      channel_id: int = CHANNEL_ID, focused: str | None = None,
                      app_permissions: int = EVERYONE_PERMISSIONS, **options: object) -> JsonObject:
        sub_options = [_option(name, value) for name, value in options.items() if value is not None]
        for option in sub_options:
            if option["name"] == focused:
                option["focused"] = True
        data: JsonObject = {
            "id": "1",
            "name": "practice",
            "type": 1,
            "guild_id": str(GUILD_ID),
            "options": [{"name": subcommand, "type": 1, "options": sub_options}],
        }
        people = [v for v in options.values() if isinstance(v, Person)]
        if people:
            data["resolved"] = {
                "users": {str(p.id): p.user() for p in people},
                "members": {str(p.id): {k: v for k, v in p.member(0).items() if k != "user"} for p in people},
            }
        return self.interaction(4 if focused else 2, data, user=user, permissions=permissions,
                                channel_id=channel_id, app_permissions=app_permissions)

    # ------------------------------------------------------------------ feeding
    async def slash(self, subcommand: str, **kwargs: Any) -> int:
        """Feed a slash command; return its interaction id once the command has completed."""
        payload = self.slash_payload(subcommand, **kwargs)
        interaction_id = int(payload["id"])
        done = self.bot.wait_for("app_command_completion", check=lambda i, _c: i.id == interaction_id,
                                 timeout=TIMEOUT)
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await done
        await self.settle()  # what the command wrote to the outbox (an interview's first phase) is out
        return interaction_id

    async def autocomplete(self, subcommand: str, focused: str, **options: Any) -> list[JsonObject]:
        payload = self.slash_payload(subcommand, focused=focused, **options)
        interaction_id = payload["id"]
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        path = rf"/interactions/{interaction_id}/.+/callback"
        await self.fake.wait_for(lambda: self.fake.find("POST", path), timeout=TIMEOUT)
        body = self.fake.find("POST", path)[0].json
        assert body["type"] == 8
        choices: list[JsonObject] = body["data"]["choices"]
        return choices

    async def press(self, message: JsonObject, custom_id: str, *, user: Person = ALICE) -> int:
        """Click a button of a message the bot posted; return the interaction id once handled."""
        channel_id = int(message["channel_id"])
        payload = self.interaction(3, {"custom_id": custom_id, "component_type": 2}, user=user,
                                   permissions=EVERYONE_PERMISSIONS, channel_id=channel_id, message=message)
        interaction_id = int(payload["id"])
        await self._handled("button", interaction_id,
                            lambda: self.bot._connection.parse_interaction_create(payload))  # type: ignore[arg-type]
        return interaction_id

    def message_payload(self, channel_id: int, text: str, *, user: Person, message_id: int | None = None
                        ) -> JsonObject:
        return {
            "id": str(message_id or self.snowflake()),
            "channel_id": str(channel_id),
            "guild_id": str(GUILD_ID),
            "author": user.user(),
            "member": {k: v for k, v in user.member(EVERYONE_PERMISSIONS).items() if k != "user"},
            "content": text,
            "timestamp": self.clock.now().isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }

    async def say(self, channel_id: int, text: str, *, user: Person = ALICE, message_id: int | None = None) -> int:
        """A person writes in a channel or thread (MESSAGE_CREATE); returns the message id once handled."""
        payload = self.message_payload(channel_id, text, user=user, message_id=message_id)
        message_id = int(payload["id"])
        await self._handled("message", message_id,
                            lambda: self.bot._connection.parse_message_create(payload))  # type: ignore[arg-type]
        return message_id

    async def edit(self, channel_id: int, message_id: int, text: str, *, user: Person = ALICE) -> None:
        payload = self.message_payload(channel_id, text, user=user, message_id=message_id)
        payload["edited_timestamp"] = datetime.now(UTC).isoformat()
        await self._handled("edit", message_id,
                            lambda: self.bot._connection.parse_message_update(payload))  # type: ignore[arg-type]

    async def delete(self, channel_id: int, message_id: int) -> None:
        payload = {"id": str(message_id), "channel_id": str(channel_id), "guild_id": str(GUILD_ID)}
        await self._handled("delete", message_id,
                            lambda: self.bot._connection.parse_message_delete(payload))  # type: ignore[arg-type]

    async def _handled(self, kind: str, discord_id: int, feed: Any) -> None:
        done = self.bot.wait_for("practice_handled", check=lambda k, i: (k, i) == (kind, discord_id),
                                 timeout=TIMEOUT)
        feed()
        await done

    async def settle(self) -> None:
        """Let background work (scoring, scorecards) finish and the outbox empty."""
        await self.service.dispatcher.drain()
        await self.service.dispatcher.flush()
        await self.service.dispatcher.drain()
