"""The Chat port on the Web API: where sends land, threads, edits, reactions, long text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.chat import SlackChat
from bot.adapters.slack.pacing import ChannelPacer, RateLimitGate
from bot.core.messages import Button, ButtonsBlock, OutMessage, SectionBlock
from bot.core.outbox import send
from bot.core.refs import ChannelRef, ThreadRef
from tests.adapters.slack.mock_api import MockSlackApi

CHANNEL = ChannelRef("slack", "C1", "T1")


@pytest.fixture
async def chat_and_api() -> AsyncIterator[tuple[SlackChat, MockSlackApi]]:
    async with MockSlackApi() as api:
        client = AsyncWebClient(token="xoxb-t", base_url=api.api_url)
        yield SlackChat(client, pacer=ChannelPacer(0), gate=RateLimitGate()), api


async def test_a_send_lands_where_it_was_sent_and_a_thread_reply_stays_in_it(
    chat_and_api: tuple[SlackChat, MockSlackApi],
) -> None:
    chat, api = chat_and_api
    root = await chat.send(CHANNEL, OutMessage(text="root", blocks=(ButtonsBlock((Button("a.b", "Go", "1"),)),)))
    assert root.channel == CHANNEL and root.thread is None
    calls_before = len(api.calls)
    thread = await chat.start_thread(root, "title")
    assert thread == ThreadRef(CHANNEL, root.message_id)
    assert len(api.calls) == calls_before, "Slack opens a thread by replying: no call"
    reply = await chat.send(thread, OutMessage(text="inside"))
    assert reply.thread == thread
    assert api.calls_to("chat.postMessage")[-1].params["thread_ts"] == root.message_id
    assert await chat.start_thread(reply, "again") == thread, "no nested threads"
    first = api.calls_to("chat.postMessage")[0].params
    assert first["blocks"][0]["elements"][0]["action_id"] == "a.b"
    assert first["unfurl_links"] is False


async def test_long_text_arrives_in_order_in_the_same_thread(chat_and_api: tuple[SlackChat, MockSlackApi]) -> None:
    chat, api = chat_and_api
    thread = ThreadRef(CHANNEL, "1.000000")
    long = "\n".join(f"{n:04d} " + "y" * 60 for n in range(200))
    await send(chat, thread, OutMessage(text=long, blocks=(SectionBlock(long),)))
    parts = api.posts(thread_ts="1.000000")
    assert len(parts) > 1
    assert "\n".join(p.text for p in parts).replace("\n", "") == long.replace("\n", "")
    assert all(len(p.text) <= chat.capabilities.max_text for p in parts)


async def test_edit_and_react_on_returned_refs(chat_and_api: tuple[SlackChat, MockSlackApi]) -> None:
    chat, api = chat_and_api
    ref = await chat.send(CHANNEL, OutMessage(text="v1"))
    await chat.edit(ref, OutMessage(text="v2"))
    [update] = api.calls_to("chat.update")
    assert (update.params["ts"], update.params["text"]) == (ref.message_id, "v2")
    await chat.react(ref, "white_check_mark")
    api.fail_next("reactions.add", status=200, error="already_reacted", retry_after=None)
    await chat.react(ref, "white_check_mark")  # a redelivery reacting twice is fine
    api.fail_next("reactions.add", status=200, error="message_not_found", retry_after=None)
    with pytest.raises(SlackApiError):
        await chat.react(ref, "white_check_mark")
