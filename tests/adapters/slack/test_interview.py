"""A whole mock interview in a Slack thread: command, phases, words, buttons, nudges, scorecard."""

from __future__ import annotations

from bot.core.interviews import END, HINT, NEXT
from tests.adapters.slack.conftest import ALICE, BOB, CHANNEL, SlackHarness, buttons, member

SCOPE_ANSWER = (
    "Why now: the business goal is user growth; stakeholders are marketing. Personas: casual users and "
    "enterprise admins; MVP journeys are create and redirect. Targets: p95 latency < 50 ms, 10k requests "
    "per second, 99.9% availability SLA with an error budget. KPIs: conversion, retention, MTTR. GDPR applies."
)


async def test_a_whole_interview_from_command_to_scorecard(slack: SlackHarness) -> None:
    assert await slack.command("interview url-shortener 15") == [], "the interview itself is the answer"
    [parent] = slack.roots()
    assert "URL shortener" in parent.text and "Alice" in parent.text
    thread = parent.ts
    [opening] = slack.thread(thread)
    assert opening.text.startswith("*0. Real-World Framing*")
    interview = await slack.service.store.active_interview(member(ALICE))
    assert interview is not None
    assert [(b["action_id"], b["value"]) for b in buttons(opening)] == [
        (NEXT, f"{interview.id}-0"), (HINT, f"{interview.id}-0"), (END, f"{interview.id}-0")]
    assert [b["text"]["text"] for b in buttons(opening)] == ["Next section", "Hint", "End interview"]

    # words in the thread steer; only the candidate's messages are answers
    await slack.say(ALICE, "next", thread_ts=thread)
    assert slack.thread_texts(thread)[-1].startswith("*1. Scope & Assumptions*")
    answer_ts = await slack.say(ALICE, SCOPE_ANSWER, thread_ts=thread)
    await slack.say(BOB, "Nice one, Alice", thread_ts=thread)
    await slack.say(ALICE, "hint", thread_ts=thread)
    assert slack.thread_texts(thread)[-1].startswith("*Hint*")
    await slack.say(ALICE, "time", thread_ts=thread)
    assert "left in this phase" in slack.thread_texts(thread)[-1]
    answers = await slack.service.store.answers_for_phase(interview.id, 1)
    assert [(a.text, a.message.message_id if a.message else None) for a in answers] == [(SCOPE_ANSWER, answer_ts)]

    # buttons: someone else's click is refused to them alone; the candidate's moves on
    [refused] = await slack.click(BOB, NEXT, str(interview.id), message_ts=opening.ts, thread_ts=thread)
    assert refused.payload["response_type"] == "ephemeral"
    assert refused.payload["replace_original"] is False
    assert "Only Alice can steer" in refused.payload["text"]
    assert await slack.click(ALICE, NEXT, str(interview.id), message_ts=opening.ts, thread_ts=thread) == []
    folded = slack.thread_texts(thread)[-1]
    assert folded.startswith("Scope & Assumptions: *"), "the answered phase is scored before the next question"
    assert "*2. High-Level Architecture*" in folded

    # the clock: a nudge about a minute before the deadline, then auto-advance
    moved = await slack.service.store.active_interview(member(ALICE))
    assert moved is not None and moved.phase_deadline_at is not None and moved.nudge_at is not None
    slack.clock.set(moved.nudge_at)
    await slack.tick()
    assert "left for *High-Level Architecture*" in slack.thread_texts(thread)[-1]
    slack.clock.set(moved.phase_deadline_at)
    await slack.tick()
    time_up, question = slack.thread_texts(thread)[-1].split("\n\n", 1)  # one post per phase change
    assert time_up.startswith("Time is up for *High-Level Architecture*")
    assert question.startswith("*3.")

    # the End button closes it with a scorecard in the thread
    await slack.click(ALICE, END, str(interview.id), message_ts=opening.ts, thread_ts=thread)
    scorecard = slack.thread(thread)[-1]
    assert scorecard.text.startswith("*Scorecard: URL shortener*")
    kinds = [b["type"] for b in scorecard.params["blocks"]]
    assert kinds == ["section", "section", "section", "context"]
    assert scorecard.params["blocks"][1]["fields"][1]["text"].startswith("*1. Scope & Assumptions*\n")
    assert scorecard.params["blocks"][-1]["elements"][0]["text"] == "Scored by: offline"

    # everything after the parent went into the thread; nothing else reached the channel
    assert [c.ts for c in slack.roots()] == [thread]
    assert all(c.params.get("thread_ts") == thread for c in slack.api.posts(channel=CHANNEL)[1:])
    # the thread is a discussion now: later messages are not answers
    await slack.say(ALICE, "one more thought", thread_ts=thread)
    assert slack.thread(thread)[-1] is scorecard


async def test_a_follow_up_about_what_the_answer_missed_comes_in_the_thread(slack: SlackHarness) -> None:
    await slack.command("interview url-shortener 45")
    [parent] = slack.roots()
    thread = parent.ts
    await slack.say(ALICE, "next", thread_ts=thread)
    await slack.say(ALICE, "We keep it simple: the team knows Postgres.", thread_ts=thread)
    slack.clock.advance(seconds=20)
    await slack.tick()
    follow_up = slack.thread(thread)[-1]
    assert follow_up.text.startswith("*Follow-up*\n")
    assert follow_up.params["thread_ts"] == thread
    await slack.tick()
    assert sum(t.startswith("*Follow-up*") for t in slack.thread_texts(thread)) == 1
    # `next` before the pause is over: no follow-up about the phase left behind
    await slack.say(ALICE, "Users are marketers.", thread_ts=thread)
    await slack.say(ALICE, "Next", thread_ts=thread)
    slack.clock.advance(seconds=30)
    await slack.tick()
    assert sum(t.startswith("*Follow-up*") for t in slack.thread_texts(thread)) == 1
