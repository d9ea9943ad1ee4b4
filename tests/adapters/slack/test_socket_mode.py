"""Socket Mode (the default for a team's internal app) over a local WebSocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest

from bot.adapters.slack import SlackAdapter
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from tests.adapters.slack.conftest import ADMIN, ALICE, CHANNEL, FAST, slack_settings
from tests.adapters.slack.mock_api import MockSlackApi
from tests.adapters.slack.signed import command_body, event_body


@pytest.fixture
async def socket_adapter(api: MockSlackApi, service: PracticeService) -> AsyncIterator[SlackAdapter]:
    settings = slack_settings(api, slack_mode="socket", slack_app_token="xapp-1-test", slack_signing_secret=None)
    adapter = SlackAdapter(settings, service, options=FAST)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


async def test_commands_and_thread_answers_over_socket_mode(
    socket_adapter: SlackAdapter, api: MockSlackApi, clock: FakeClock
) -> None:
    assert socket_adapter.mode == "socket" and socket_adapter.port is None, "no HTTP server in Socket Mode"
    [opened] = api.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-test", "the app-level token opens the socket"
    await api.wait_for(lambda: api.socket_connected)

    command = dict(parse_qsl(command_body("schedule 09:30 UTC daily", user=ADMIN, channel=CHANNEL,
                                          response_url=api.response_url("sm1"))))
    ack = await api.push("slash_commands", command, envelope_id="env-1")
    assert ack["envelope_id"] == "env-1"
    assert not ack.get("payload"), "acked with an empty body"
    [answer] = await api.wait_for(lambda: api.responses_to("sm1"))
    assert "Daily prompts here at 09:30 UTC" in answer.payload["text"]

    await socket_adapter.service.tick()  # 09:00, not yet
    clock.advance(minutes=30)
    await socket_adapter.service.tick()
    [prompt] = api.posts(channel=CHANNEL, in_thread=False)
    answer = {"type": "message", "channel": CHANNEL, "user": ALICE, "text": "Use a queue.",
              "ts": f"{clock.now().timestamp():.0f}.000100", "thread_ts": prompt.ts}
    event = json.loads(event_body(answer, event_id="EvSocket"))
    await api.push("events_api", event, envelope_id="env-2")
    await api.push("events_api", event, envelope_id="env-3", retry_attempt=1)  # Slack's redelivery
    [reaction] = await api.wait_for(lambda: api.calls_to("reactions.add"))
    assert reaction.params["timestamp"] == event["event"]["ts"]
    await socket_adapter.workers.wait_processed(2)  # the command and the first delivery
    await socket_adapter.settle()
    assert len(api.calls_to("reactions.add")) == 1
    assert socket_adapter.service.inbox.redelivered == 1, "the redelivery met its key in the inbox"


async def test_what_has_no_listener_is_acked_over_socket_mode_and_a_bad_event_is_one_warning(
    socket_adapter: SlackAdapter, api: MockSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    await api.wait_for(lambda: api.socket_connected)
    other = json.loads(event_body({"type": "reaction_added", "user": ALICE}, event_id="EvOther"))
    bad_ts = json.loads(event_body({"type": "message", "channel": CHANNEL, "user": ALICE, "text": "hi",
                                    "ts": "1e400", "thread_ts": "1.0"}, event_id="EvBadTs"))
    shortcut = {"type": "shortcut", "callback_id": "whatever", "trigger_id": "t", "team": {"id": "T0TEAM"},
                "user": {"id": ALICE}}
    command = dict(parse_qsl(command_body("x", user=ALICE, channel=CHANNEL, response_url=api.response_url("o"),
                                          command="/other")))
    acks = [await api.push("events_api", other, envelope_id="e-1"),
            await api.push("events_api", bad_ts, envelope_id="e-2"),
            await api.push("interactive", shortcut, envelope_id="e-3"),
            await api.push("slash_commands", command, envelope_id="e-4")]
    assert [ack["envelope_id"] for ack in acks] == ["e-1", "e-2", "e-3", "e-4"], "each one acked"
    await socket_adapter.settle()
    assert socket_adapter.workers.submitted == 0
    assert "Slack event 'EvBadTs' ignored: ts: invalid" in caplog.messages
    assert not any(r.exc_info for r in caplog.records)
