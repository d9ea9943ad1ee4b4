"""The Chat port on the Web API: where sends land, threads, edits, reactions, long text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.chat import OUTBOX_EVENT, SlackChat
from bot.adapters.slack.pacing import ChannelPacer, RateLimitGate, UncertainPostRetryHandler
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


async def test_a_keyed_post_carries_its_key_and_is_found_again(chat_and_api: tuple[SlackChat, MockSlackApi]) -> None:
    chat, api = chat_and_api
    since = datetime.now(UTC) - timedelta(seconds=5)
    root = await chat.send(CHANNEL, OutMessage(text="prompt", key="prompt:C1:2026-03-02"))
    thread = await chat.start_thread(root, "t")
    reply = await chat.send(thread, OutMessage(text="phase", key="iv:1:open:0"))
    await chat.send(thread, OutMessage(text="no key"))
    assert api.calls_to("chat.postMessage")[0].params["metadata"] == {
        "event_type": OUTBOX_EVENT, "event_payload": {"key": "prompt:C1:2026-03-02"}}
    assert "metadata" not in api.calls_to("chat.postMessage")[2].params
    assert await chat.find_sent(CHANNEL, "prompt:C1:2026-03-02", since=since) == root
    assert await chat.find_sent(thread, "iv:1:open:0", since=since) == reply
    assert await chat.find_sent(thread, "iv:1:open:1", since=since) is None
    assert await chat.find_sent(CHANNEL, "iv:1:open:0", since=since) is None  # the reply is in the thread
    [replies] = api.calls_to("conversations.replies")[:1]
    assert replies.params["include_all_metadata"] in {True, "true", "1"}


async def test_a_post_the_connection_broke_under_is_not_repeated_by_the_client() -> None:
    handler = UncertainPostRetryHandler()
    post = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})
    read = HttpRequest(method="POST", url="https://slack.com/api/conversations.replies", headers={})
    broke = aiohttp.ServerDisconnectedError()
    never_connected = aiohttp.ClientConnectorError(ConnectionKey("slack.com", 443, True, True, None, None, None),
                                                   OSError(111, "refused"))
    assert not await handler.can_retry_async(state=RetryState(), request=post, error=broke)
    assert await handler.can_retry_async(state=RetryState(), request=post, error=never_connected)
    assert await handler.can_retry_async(state=RetryState(), request=read, error=broke)
