"""A peer mock on Discord, end to end through the real client and the fake Discord API: the candidate
names the interviewer in the slash command; the rubric and its mark buttons reach the interviewer by
direct message; clicks there (no server in a DM) are marks; a restart in the middle keeps them; the
scorecard in the thread puts the marks beside the scorer's verdicts."""

from __future__ import annotations

from typing import Any

from bot.core.refs import UserRef
from tests.adapters.discord.conftest import HarnessFactory
from tests.adapters.discord.fake_api import GUILD_ID, FakeDiscord, JsonObject, components_custom_ids
from tests.adapters.discord.harness import ALICE, BOB, EVERYONE_PERMISSIONS, DiscordHarness, Person

ALICE_REF = UserRef("discord", str(ALICE.id), str(GUILD_ID), "Alice")
FRAMING = ("We build it now because marketing needs short links for a launch; the team knows Postgres, "
           "so we keep it boring and ship in two weeks, accepting the risk of a single region.")


def body(message: JsonObject) -> str:
    return message["embeds"][0].get("description", "") if message["embeds"] else message["content"]


def heading(message: JsonObject) -> str:
    return message["embeds"][0].get("title", "") if message["embeds"] else message["content"]


async def press_in_dm(harness: DiscordHarness, message: JsonObject, custom_id: str, user: Person) -> int:
    """A click on a button in a direct message: no guild, the user instead of a member."""
    payload = harness.interaction(3, {"custom_id": custom_id, "component_type": 2}, user=user,
                                  permissions=EVERYONE_PERMISSIONS, message=message)
    for key in ("guild_id", "member", "guild_locale"):
        payload.pop(key, None)
    payload.update(user=user.user(), channel_id=message["channel_id"], context=1,
                   channel={"id": message["channel_id"], "type": 1})
    interaction_id = int(payload["id"])
    await harness._handled("button", interaction_id,
                           lambda: harness.bot._connection.parse_interaction_create(payload))  # type: ignore[arg-type]
    return interaction_id


def mark_ids(messages: list[JsonObject]) -> list[tuple[JsonObject, str]]:
    return [(m, cid) for m in messages for cid in components_custom_ids(m)]


async def test_a_peer_mock_with_dm_marks_and_a_restart(make_harness: HarnessFactory, fake: FakeDiscord) -> None:
    harness = await make_harness()
    await harness.slash("interview", scenario="url-shortener", minutes=15, interviewer=BOB)
    interview = await harness.service.store.active_interview(ALICE_REF)
    assert interview is not None and interview.thread is not None and interview.interviewer is not None
    assert interview.interviewer.user_id == str(BOB.id)
    thread_id = int(interview.thread.thread_id)
    dm = fake.dm_channel(BOB.id)
    dm_id = int(dm["id"])
    await harness.settle()
    private = fake.posted_in(dm_id)
    assert heading(private[0]).startswith("Your rubric, phase 1 of")
    assert "Probe:" in body(private[0])
    assert all("Probe:" not in body(m) for m in fake.posted_in(thread_id)), "the candidate never sees it"
    buttons = mark_ids(private[1:])
    assert len(buttons) == 3 * 3  # section 0 has three items
    covered = next((m, cid) for m, cid in buttons if cid == f"pb:peer.c.0:{interview.id}-0")
    partly = next((m, cid) for m, cid in buttons if cid == f"pb:peer.p.1:{interview.id}-0")

    await harness.say(thread_id, FRAMING)
    await press_in_dm(harness, *covered, user=BOB)
    refused = await press_in_dm(harness, *covered, user=ALICE)
    (note,) = fake.find("POST", rf"/webhooks/\d+/token-{refused}-\d+")
    assert note.json["content"].startswith("Only the interviewer")
    await harness.say(thread_id, "next", user=BOB)
    assert heading(fake.posted_in(thread_id)[-1]).startswith("1. Scope")
    await harness.close()

    after = await make_harness()  # a restart: new client, new service, same database
    await press_in_dm(after, *partly, user=BOB)
    marks = await after.service.store.marks_for_interview(interview.id)
    assert sorted(mark.mark for mark in marks.values()) == ["covered", "partial"]
    await after.slash("note", text="Good framing; pace it faster.", user=BOB)
    await after.say(thread_id, "end")
    await after.settle()
    posted = fake.posted_in(thread_id)
    assert any(heading(m) == "Scorecard: URL shortener" for m in posted)
    peer: dict[str, Any] = posted[-1]
    assert heading(peer) == "Interviewer's marks beside the scorer's"
    text = body(peer)
    assert "interviewer **covered**, scorer **" in text and "interviewer **partly**, scorer **" in text
    assert "Good framing; pace it faster." in text
    assert all(m["channel_id"] == str(thread_id) for m in posted)
