"""The adapter's life: ``start()`` returns once the gateway is ready, ``stop()`` closes cleanly, and
Slack and Discord run side by side on one core and one database."""

from __future__ import annotations

import asyncio
from datetime import time
from pathlib import Path

import discord
import pytest

from bot.adapters.discord import DiscordAdapter, DiscordStartError
from bot.adapters.slack import SlackAdapter
from bot.core.records import Schedule
from bot.core.refs import ChannelRef, UserRef
from bot.runtime import build_runtime, platform_adapters, serve
from bot.scheduling.clock import FakeClock
from tests.adapters.discord.conftest import START, HarnessFactory
from tests.adapters.discord.fake_api import CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.adapters.discord.harness import ALICE, settings
from tests.adapters.slack.mock_api import TEAM_ID, MockSlackApi

EXPECTED_INTENTS = discord.Intents(guilds=True, guild_messages=True, message_content=True).value


async def test_start_returns_once_ready_and_events_arrive_over_the_gateway(
    make_harness: HarnessFactory, fake: FakeDiscord
) -> None:
    harness = await make_harness(login=False)
    await asyncio.wait_for(harness.adapter.start(), timeout=10)
    assert harness.bot.is_ready()
    (identify,) = fake.find("WS", "/gateway/op2")
    assert identify.json["intents"] == EXPECTED_INTENTS
    assert fake.find("PUT", r"/applications/\d+/guilds/\d+/commands")  # synced before connecting

    await harness.slash("interview", scenario="chat-app")
    interview = await harness.service.store.active_interview(UserRef("discord", str(ALICE.id), str(GUILD_ID)))
    assert interview is not None and interview.thread is not None
    thread_id = int(interview.thread.thread_id)
    message = harness.message_payload(thread_id, "next", user=ALICE)
    handled = harness.bot.wait_for("practice_handled", check=lambda kind, i: i == int(message["id"]), timeout=10)
    await fake.dispatch("MESSAGE_CREATE", message)  # through the real websocket and the client's parser
    await handled
    assert fake.posted_in(thread_id)[-1]["embeds"][0]["title"] == "1. Scope & Assumptions"

    await asyncio.wait_for(harness.adapter.stop(), timeout=10)
    assert harness.bot.is_closed()
    await asyncio.wait_for(harness.adapter.wait(), timeout=1)  # the gateway task is over


async def test_a_refused_message_content_intent_fails_start_with_a_clear_message(
    make_harness: HarnessFactory, fake: FakeDiscord
) -> None:
    fake.gateway_close_code = 4014
    harness = await make_harness(login=False)
    with pytest.raises(DiscordStartError, match="Message Content"):
        await asyncio.wait_for(harness.adapter.start(), timeout=10)
    assert harness.bot.is_closed()


async def test_slack_and_discord_run_on_one_core_and_one_database(fake: FakeDiscord, tmp_path: Path) -> None:
    async with MockSlackApi() as slack_api:
        config = settings(
            database_url=f"sqlite:///{tmp_path / 'both.db'}",
            slack_bot_token="xoxb-test-token",
            slack_signing_secret="secret",
            slack_mode="http",
            slack_api_url=slack_api.api_url,
            host="127.0.0.1",
            port=0,
        )
        clock = FakeClock(START)
        runtime = await build_runtime(config, clock=clock, offline_only=True)
        adapters = platform_adapters(config, runtime.service)
        assert [type(a) for a in adapters] == [SlackAdapter, DiscordAdapter]
        ready = asyncio.Event()
        serving = asyncio.create_task(serve(runtime, adapters, tick_seconds=3600, ready=ready))
        await asyncio.wait_for(ready.wait(), timeout=20)
        assert set(runtime.service.chats) == {"slack", "discord"}

        daily = Schedule(local_time=time(9, 0), timezone="UTC", weekdays=frozenset(range(7)))
        slack_channel = ChannelRef("slack", "C0PRACTICE", TEAM_ID)
        discord_channel = ChannelRef("discord", str(CHANNEL_ID), str(GUILD_ID))
        for channel in (slack_channel, discord_channel):
            await runtime.store.save_schedule(channel, schedule=daily, next_prompt_at=START)
        await runtime.service.tick()  # one clock, one outbox: each prompt goes out through its platform

        await fake.wait_for(lambda: fake.threads_of(CHANNEL_ID), timeout=10)
        assert fake.posted_in(CHANNEL_ID)[0]["embeds"][0]["title"] == "Daily practice"
        assert slack_api.posts(channel="C0PRACTICE", in_thread=False)
        discord_adapter = adapters[1]
        assert isinstance(discord_adapter, DiscordAdapter)
        await discord_adapter.stop()  # an adapter stopping for good ends the process, closing the rest
        await asyncio.wait_for(serving, timeout=15)
        assert discord_adapter.bot.is_closed()
