"""Daily prompts in Slack: schedule, post, answers in the thread (✅), edits, deletions, streaks."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bot.core.prompts import CHECKLIST
from bot.core.prompts._texts import not_admin, schedule_off
from tests.adapters.slack.conftest import ADMIN, ALICE, ALLOWED, BOB, CHANNEL, SlackHarness, buttons, channel, member
from tests.adapters.slack.mock_api import BOT_ID
from tests.adapters.slack.signed import command_body, event_body

ANSWER = "Shard by user id with consistent hashing; replicate each shard three ways; p99 < 100 ms."


async def schedule_and_post(slack: SlackHarness) -> str:
    [answer] = await slack.command("schedule 09:30 UTC mon-fri", user=ADMIN)
    assert answer.payload["response_type"] == "in_channel"
    assert "Daily prompts here at 09:30 UTC on Mon-Fri" in answer.payload["text"]
    assert slack.roots() == [], "nothing is posted before its time"
    await slack.tick(minutes=30)
    [prompt] = slack.roots()
    assert prompt.text.startswith("*Daily practice*")
    return prompt.ts


async def test_a_daily_prompt_from_schedule_to_recorded_answer_to_streak(slack: SlackHarness) -> None:
    prompt_ts = await schedule_and_post(slack)
    [prompt_call] = slack.roots()
    [checklist_button] = buttons(prompt_call)
    assert (checklist_button["action_id"], checklist_button["text"]["text"]) == (CHECKLIST, "Show checklist")

    answer_ts = await slack.say(ALICE, ANSWER, thread_ts=prompt_ts)
    [reaction] = slack.api.calls_to("reactions.add")
    assert reaction.params == {"channel": CHANNEL, "timestamp": answer_ts, "name": "white_check_mark"}
    [streak] = await slack.command("streak", user=ALICE)
    assert streak.payload["response_type"] == "ephemeral"
    assert "Current streak: *1 day*" in streak.payload["text"]
    prompt = await slack.service.store.latest_prompt(channel())
    assert prompt is not None
    [stored] = await slack.service.store.answers_for_prompt(prompt.id)
    assert stored.text == ANSWER, "Slack's &lt; arrives as the < that was typed"

    # a reply also sent to the channel counts; an edit updates it; a deletion withdraws it
    broadcast_ts = await slack.say(BOB, "Cache hot keys", thread_ts=prompt_ts, subtype="thread_broadcast")
    assert [c.params["timestamp"] for c in slack.api.calls_to("reactions.add")] == [answer_ts, broadcast_ts]
    await slack.event({"type": "message", "subtype": "message_changed", "channel": CHANNEL, "hidden": True,
                       "ts": slack.new_ts(),
                       "message": {"type": "message", "user": BOB, "text": "Cache hot keys in Redis",
                                   "ts": broadcast_ts, "thread_ts": prompt_ts,
                                   "edited": {"user": BOB, "ts": slack.new_ts()}},
                       "previous_message": {"type": "message", "user": BOB, "text": "Cache hot keys",
                                            "ts": broadcast_ts, "thread_ts": prompt_ts}})
    await slack.event({"type": "message", "subtype": "message_deleted", "channel": CHANNEL, "hidden": True,
                       "ts": slack.new_ts(), "deleted_ts": answer_ts,
                       "previous_message": {"type": "message", "user": ALICE, "text": ANSWER, "ts": answer_ts,
                                            "thread_ts": prompt_ts}})
    answers = {a.member.user_id: a for a in await slack.service.store.answers_for_prompt(prompt.id)}
    assert answers[BOB].text == "Cache hot keys in Redis"
    assert answers[ALICE].withdrawn
    [streak] = await slack.command("streak", user=ALICE)
    assert "no practice days yet" in streak.payload["text"]

    # other bots' messages and the bot's own are ignored
    await slack.event({"type": "message", "subtype": "bot_message", "channel": CHANNEL, "bot_id": "B0OTHER",
                       "text": "beep", "ts": slack.new_ts(), "thread_ts": prompt_ts})
    before = slack.adapter.workers.submitted
    own = event_body({"type": "message", "channel": CHANNEL, "user": "U0BOT", "bot_id": BOT_ID, "text": "mine",
                      "ts": slack.new_ts(), "thread_ts": prompt_ts}, event_id="EvOwn")
    assert (await slack.client.post(own, content_type="application/json")).status == 200
    assert slack.adapter.workers.submitted == before, "bolt drops the bot's own events"
    assert len(slack.api.calls_to("reactions.add")) == 2
    assert len(await slack.service.store.answers_for_prompt(prompt.id)) == 2

    # Show checklist: not before the window closes, then for the clicker only
    [early] = await slack.click(BOB, CHECKLIST, checklist_button["value"], message_ts=prompt_ts, thread_ts=None)
    assert early.payload["response_type"] == "ephemeral"
    assert "revealed when the answer window closes" in early.payload["text"]
    slack.clock.set(prompt.closes_at)
    await slack.tick()
    assert slack.thread_texts(prompt_ts)[-1].startswith("*Checklist revealed*")
    [shown] = await slack.click(BOB, CHECKLIST, checklist_button["value"], message_ts=prompt_ts, thread_ts=None)
    assert shown.payload["response_type"] == "ephemeral"
    assert shown.payload["text"].startswith("*Checklist: ")


async def test_a_redelivered_event_gives_one_answer(slack: SlackHarness) -> None:
    prompt_ts = await schedule_and_post(slack)
    ts = await slack.say(ALICE, ANSWER, thread_ts=prompt_ts, event_id="EvOnce")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    await slack.say(ALICE, ANSWER, thread_ts=prompt_ts, ts=ts, event_id="EvOnce", headers=retry)
    await slack.say(ALICE, ANSWER, thread_ts=prompt_ts, ts=ts, event_id="EvOnce",
                    headers={**retry, "X-Slack-Retry-Num": "2"})
    prompt = await slack.service.store.latest_prompt(channel())
    assert prompt is not None
    assert len(await slack.service.store.answers_for_prompt(prompt.id)) == 1
    assert len(slack.api.calls_to("reactions.add")) == 1
    [streak] = await slack.command("streak", user=ALICE)
    assert "Practice days: 1" in streak.payload["text"]


async def test_a_non_admins_schedule_change_is_refused(slack: SlackHarness) -> None:
    [refused] = await slack.command("schedule 10:00 UTC daily", user=BOB)
    assert refused.payload["response_type"] == "ephemeral"
    assert refused.payload["text"] == not_admin().text
    assert await slack.service.store.get_channel(channel()) is None
    [shown] = await slack.command("schedule", user=BOB)
    assert "No daily prompts here" in shown.payload["text"], "anyone may look"
    [allowed] = await slack.command("schedule 10:00 UTC daily", user=ALLOWED)
    assert "Daily prompts here at 10:00 UTC" in allowed.payload["text"], "SLACK_ADMIN_IDS may"
    [off] = await slack.command("schedule off", user=ADMIN)
    assert off.payload["text"] == schedule_off().text, "workspace admins may"


async def test_members_timezones_come_from_users_info_once(slack: SlackHarness) -> None:
    await slack.command("interview url-shortener 20", user=BOB)
    for _ in range(3):
        await slack.command("streak", user=BOB)
    record = await slack.service.store.get_member(member(BOB))
    assert record is not None and record.timezone == "America/New_York"
    assert record.ref.display_name == "Bob"
    assert [c.params["user"] for c in slack.api.calls_to("users.info")] == [BOB], "cached"



async def test_nothing_is_acked_as_received_while_the_database_refuses_it(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompt_ts = await schedule_and_post(slack)
    store = slack.service.store
    real = store.accept_inbound

    async def refused(*args: object, **kwargs: object) -> list[int | None]:
        raise OperationalError("INSERT INTO inbox", {}, Exception("disk I/O error"))

    monkeypatch.setattr(store, "accept_inbound", refused)
    answer = await slack.client.post(
        command_body("streak", user=ALICE, channel=CHANNEL, response_url=slack.api.response_url("down")),
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status == 200 and "couldn't take that" in answer.body, "the ack itself says it was not taken"
    event = {"type": "message", "channel": CHANNEL, "user": ALICE, "text": ANSWER, "ts": slack.new_ts(),
             "thread_ts": prompt_ts, "channel_type": "channel"}
    refused_event = await slack.client.post(event_body(event, event_id="EvDown"), content_type="application/json")
    assert refused_event.status == 500, "not acked: Slack delivers it again"
    monkeypatch.setattr(store, "accept_inbound", real)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    await slack.event(event, event_id="EvDown", headers=retry)
    prompt = await store.latest_prompt(channel())
    assert prompt is not None
    assert [a.text for a in await store.answers_for_prompt(prompt.id)] == [ANSWER], "the redelivery is the answer"
