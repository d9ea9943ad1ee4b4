"""A peer mock on Slack, end to end through the real bolt app and the mock Web API: the candidate names
the interviewer, whose rubric and mark buttons arrive by direct message; their clicks are marks; the
scorecard in the thread puts the marks beside the scorer's verdicts."""

from __future__ import annotations

from tests.adapters.slack.conftest import ALICE, BOB, CHANNEL, SlackHarness, buttons, member

FRAMING = ("We build it now because marketing needs short links for a launch; the team knows Postgres, "
           "so we keep it boring and ship in two weeks, accepting the risk of a single region.")


async def test_a_peer_mock_with_the_rubric_in_the_interviewers_hands(slack: SlackHarness) -> None:
    assert await slack.command(f"interview url-shortener 15 with <@{BOB}|bob>") == []
    [parent] = slack.roots()
    assert "interviewed by bob" in parent.text
    thread = parent.ts
    dm = "D" + BOB[1:]
    rubric, *mark_posts = slack.api.posts(channel=BOB)
    assert rubric.params["channel"] == BOB and rubric.params.get("thread_ts") is None
    assert rubric.text.startswith("*Your rubric, phase 1 of")
    assert "Probe:" in rubric.text and "Probe:" not in "\n".join(slack.thread_texts(thread))
    elements = [b for post in mark_posts for b in buttons(post)]
    assert len({b["action_id"] for b in elements}) == len(elements), "Slack wants distinct action ids"
    covered = next(b for b in elements if b["text"]["text"] == "1 covered")
    partly = next(b for b in elements if b["text"]["text"] == "2 partly")

    await slack.say(ALICE, FRAMING, thread_ts=thread)
    [marked] = await slack.click(BOB, covered["action_id"], covered["value"], message_ts=mark_posts[0].ts,
                                 thread_ts=None, channel=dm)
    assert marked.payload["response_type"] == "ephemeral" and "*covered*" in marked.payload["text"]
    await slack.click(BOB, partly["action_id"], partly["value"], message_ts=mark_posts[0].ts, thread_ts=None,
                      channel=dm)
    [refused] = await slack.click(ALICE, covered["action_id"], covered["value"], message_ts=mark_posts[0].ts,
                                  thread_ts=None, channel=dm)
    assert "Only the interviewer" in refused.payload["text"]

    await slack.say(BOB, "+2m", thread_ts=thread)
    assert "added 2 min" in slack.thread_texts(thread)[-1]
    await slack.say(BOB, "next", thread_ts=thread)
    assert slack.thread_texts(thread)[-1].startswith("*1. Scope & Assumptions*")
    assert any(post.text.startswith("*Your rubric, phase 2 of") for post in slack.api.posts(channel=BOB))
    await slack.command("note Good framing, pace it faster.", user=BOB)
    await slack.say(ALICE, "end", thread_ts=thread)
    texts = slack.thread_texts(thread)
    assert any(t.startswith("*Scorecard: URL shortener*") for t in texts)
    assert texts[-1].startswith("*Interviewer's marks beside the scorer's*")
    assert "interviewer *covered*, scorer *" in texts[-1] and "interviewer *partly*, scorer *" in texts[-1]
    assert "Good framing, pace it faster." in texts[-1]
    interview = await slack.service.store.latest_given_interview(member(BOB))
    assert interview is not None and interview.status == "ended" and interview.extended == (0,)
    assert interview.interviewer is not None and interview.interviewer.user_id == BOB
    assert all(c.params.get("thread_ts") == thread for c in slack.api.posts(channel=CHANNEL)[1:])
