"""HTTP mode over loopback: signatures, acks, health, ephemeral vs in-channel answers."""

from __future__ import annotations

import json
import time

from bot.adapters.slack.http import MAX_BODY_BYTES
from bot.adapters.slack.render import NOT_IN_CHANNEL
from tests.adapters.slack.conftest import ALICE, CHANNEL, SlackHarness, member
from tests.adapters.slack.signed import command_body, event_body


async def test_help_is_acked_empty_then_answered_ephemerally(slack: SlackHarness) -> None:
    [response] = await slack.command("help")
    assert response.payload["response_type"] == "ephemeral"
    assert "/practice interview [scenario] [minutes]" in response.payload["text"]
    assert response.payload["blocks"][0]["type"] == "section"


async def test_personal_answers_are_ephemeral_and_shared_ones_in_channel(slack: SlackHarness) -> None:
    for personal in ("sections", "section 3", "scenarios", "streak", "nonsense"):
        [response] = await slack.command(personal)
        assert response.payload["response_type"] == "ephemeral", personal
    [board] = await slack.command("leaderboard week")
    assert board.payload["response_type"] == "in_channel"
    assert board.payload["text"].startswith("*Leaderboard, this week*")


async def test_bad_signature_and_stale_timestamp_get_401_and_no_api_call(slack: SlackHarness) -> None:
    calls_before, submitted_before = len(slack.api.calls), slack.adapter.workers.submitted
    body = command_body("help", user=ALICE, channel=CHANNEL, response_url=slack.api.response_url("forged"))
    form = "application/x-www-form-urlencoded"
    forged = await slack.client.post(body, content_type=form, secret="not-the-secret")
    stale = await slack.client.post(body, content_type=form, timestamp=int(time.time()) - 6 * 60)
    event = event_body({"type": "message", "channel": CHANNEL, "user": ALICE, "text": "next", "ts": "1.000001",
                        "thread_ts": "1.000000"}, event_id="EvForged")
    forged_event = await slack.client.post(event, content_type="application/json", secret="nope")
    assert [forged.status, stale.status, forged_event.status] == [401, 401, 401]
    assert len(slack.api.calls) == calls_before, "no Web API call"
    assert slack.api.responses_to("forged") == []
    assert slack.adapter.workers.submitted == submitted_before, "nothing reached a listener"
    # and a correctly signed one still works
    assert (await slack.client.post(body, content_type=form)).status == 200


async def test_health_and_readiness(slack: SlackHarness) -> None:
    health = await slack.client.get("/healthz")
    ready = await slack.client.get("/readyz")
    assert (health.status, health.body) == (200, "ok")
    assert (ready.status, ready.body) == (200, "ready")
    assert (await slack.client.get("/slack/events")).status == 404, "events are POST only"


async def test_not_in_channel_is_a_message_people_can_act_on(slack: SlackHarness) -> None:
    slack.api.fail_next("chat.postMessage", status=200, error="not_in_channel", retry_after=None)
    [response] = await slack.command("interview url-shortener 20")
    assert response.payload["response_type"] == "ephemeral"
    assert response.payload["text"] == NOT_IN_CHANNEL
    assert await slack.service.store.active_interview(member(ALICE)) is None


async def test_an_unexpected_failure_is_an_apology_with_an_error_id(slack: SlackHarness) -> None:
    slack.api.fail_next("chat.postMessage", status=500, error="internal_error", retry_after=None)
    [response] = await slack.command("interview url-shortener 20")
    assert response.payload["response_type"] == "ephemeral"
    assert "Sorry, something went wrong on my side" in response.payload["text"]
    assert "(error id E-" in response.payload["text"]
    assert "Traceback" not in response.payload["text"]



async def test_slack_can_verify_the_request_url(slack: SlackHarness) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    answer = await slack.client.post(body, content_type="application/json")
    assert answer.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.body


async def test_an_oversized_body_is_refused_before_bolt_reads_it(slack: SlackHarness) -> None:
    submitted = slack.adapter.workers.submitted
    answer = await slack.client.post("x" * (MAX_BODY_BYTES + 1), content_type="application/json")
    assert answer.status == 413
    assert slack.adapter.workers.submitted == submitted
