"""The door, case by case (issue 12's list): what a request must be before bolt sees it."""

from __future__ import annotations

import json
import logging
import time

import pytest

from tests.adapters.slack.conftest import ALICE, CHANNEL, SlackHarness
from tests.adapters.slack.mock_api import TEAM_ID
from tests.adapters.slack.served import signature
from tests.adapters.slack.signed import command_body, event_body, sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


async def test_a_non_numeric_or_huge_timestamp_is_401_whatever_the_body(slack: SlackHarness) -> None:
    assert slack.client._session is not None
    for timestamp in ("abc", "1e9", "1" * 5000, "", " 17000000000"):
        for body in ("{", "[" * 5000, "payload=%7B"):
            headers = {"Content-Type": JSON, "X-Slack-Request-Timestamp": timestamp,
                       "X-Slack-Signature": sign(slack.client.secret, body)["X-Slack-Signature"]}
            async with slack.client._session.post(slack.client.url, data=body.encode(), headers=headers) as answer:
                assert answer.status == 401, (timestamp, body[:10])
    assert slack.adapter.workers.submitted == 0


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    ("token=x&team_id=T0TEAM&command=%2Fpractice", JSON, "body is not JSON"),
    ('{"type": "event_callback", "n": ' + "7" * 5000 + "}", JSON, "body is not JSON"),
    ("[1, 2, 3]", JSON, "JSON body is not an object"),
    ('"text"', JSON, "JSON body is not an object"),
    ('{"type": "event_callback", "event": ' + "[" * 10_000 + "]" * 10_000 + "}", JSON, "JSON nested too deeply"),
    ('{"type": "event_callback", "team_id": "T0TEAM"}', JSON, "event: missing"),
    ('{"type": "event_callback", "team_id": "T:0", "event": {"type": "message"}}', JSON, "team_id: invalid"),
    ('{"no": "type"}', JSON, "type: missing"),
    ("payload=%5B1%5D", FORM, "JSON body is not an object"),
    ("payload=%7B%22type%22%3A%22block_actions%22%7D", FORM, "user: missing"),
    ("just some words", FORM, "form body does not parse"),
    ("a=b", FORM, "not a command, event or interaction"),
    ("{}", "text/plain", "unsupported content type"),
])
async def test_a_well_signed_body_that_does_not_parse_is_400_with_a_short_reason(
        slack: SlackHarness, body: str, content_type: str, reason: str) -> None:
    answer = await slack.client.post(body, content_type=content_type)
    assert (answer.status, answer.body) == (400, reason)
    assert slack.adapter.workers.submitted == 0


async def test_invalid_utf8_is_400(slack: SlackHarness) -> None:
    assert slack.client._session is not None
    body = b'{"type": "event_callback", "text": "\xff\xfe"}'
    timestamp = str(int(time.time()))
    headers = {"Content-Type": JSON, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature(body, timestamp.encode()).decode()}
    async with slack.client._session.post(slack.client.url, data=body, headers=headers) as answer:
        assert (answer.status, await answer.text()) == (400, "body is not UTF-8")


async def test_a_command_missing_a_field_is_400_naming_it(slack: SlackHarness) -> None:
    body = command_body("help", user=ALICE, channel=CHANNEL, response_url=slack.api.response_url("x"))
    without_user = "&".join(part for part in body.split("&") if not part.startswith("user_id="))
    answer = await slack.client.post(without_user, content_type=FORM)
    assert (answer.status, answer.body) == (400, "user_id: missing")
    elsewhere = body.replace("response_url=http", "response_url=ftp")
    assert (await slack.client.post(elsewhere, content_type=FORM)).body == "response_url: invalid"


async def test_what_the_bot_has_no_listener_for_is_acked_with_200_and_dropped(slack: SlackHarness) -> None:
    ignored = [
        (event_body({"type": "reaction_added", "user": ALICE}, event_id="Ev1"), JSON),
        (json.dumps({"type": "app_rate_limited", "team_id": TEAM_ID}), JSON),
        ("payload=" + json.dumps({"type": "shortcut", "callback_id": "x"}), FORM),
        ("payload=" + json.dumps({"type": "view_submission"}), FORM),
        (command_body("help", user=ALICE, channel=CHANNEL, response_url=slack.api.response_url("o"),
                      command="/other"), FORM),
        ("ssl_check=1&token=x", FORM),
    ]
    for body, content_type in ignored:
        answer = await slack.client.post(body, content_type=content_type)
        assert (answer.status, answer.body) == (200, ""), body[:40]
    assert slack.adapter.workers.submitted == 0
    assert slack.api.responses_to("o") == []


@pytest.mark.parametrize("ts", ["abc", "1e400", "99999999999999999999.1", "1.2.3"])
async def test_a_message_with_a_bad_ts_is_one_warning_with_its_event_key(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture, ts: str) -> None:
    event = {"type": "message", "channel": CHANNEL, "user": ALICE, "text": "an answer", "ts": ts,
             "thread_ts": "1700000000.000100"}
    with caplog.at_level(logging.WARNING):
        answer = await slack.client.post(event_body(event, event_id="EvBadTs"), content_type=JSON)
    assert answer.status == 200, "acked: a retry would not make it better"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["Slack event 'EvBadTs' ignored: ts: invalid"]
    assert not any(r.exc_info for r in caplog.records)
    assert slack.adapter.workers.submitted == 0


async def test_a_command_whose_text_says_payload_keeps_its_fields(slack: SlackHarness) -> None:
    """bolt's parser looks for "payload" anywhere in a form body (it would read no command at all and
    nothing would answer): the door re-encodes what it read, so the core gets the text as typed."""
    [response] = await slack.command("section payload")
    assert response.payload["text"] == "Usage: `/practice section <0-9>`. See `/practice sections`."
