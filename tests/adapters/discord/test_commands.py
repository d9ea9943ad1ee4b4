"""``/practice`` through the real CommandTree: sync, instant answers, deferrals, autocomplete, permissions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.core.messages import Reply
from bot.core.refs import ChannelRef, UserRef
from tests.adapters.discord.conftest import HarnessFactory
from tests.adapters.discord.fake_api import APPLICATION_ID, CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.adapters.discord.harness import ADMIN, ALICE, BOB, MANAGE_CHANNELS, DiscordHarness

EPHEMERAL = 64
SUBCOMMANDS = {"interview", "prompt", "schedule", "streak", "leaderboard", "sections", "section", "scenarios", "help",
               "forget-me", "note", "stats", "team", "drill", "history", "export", "timezone", "pause", "resume",
               "pairing"}
CHANNEL = ChannelRef("discord", str(CHANNEL_ID), str(GUILD_ID))


def callback(fake: FakeDiscord, interaction_id: int) -> dict[str, object]:
    calls = fake.find("POST", rf"/interactions/{interaction_id}/[^/]+/callback", status=200)
    assert len(calls) == 1, fake.summary()
    body: dict[str, object] = calls[0].json
    return body


def followups(fake: FakeDiscord, interaction_id: int) -> list[dict[str, object]]:
    return [c.json for c in fake.find("POST", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+", status=200)]


async def test_login_syncs_every_subcommand_to_the_development_guild(harness: DiscordHarness,
                                                                       fake: FakeDiscord) -> None:
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    (sync,) = fake.find("PUT", r"/applications/\d+/guilds/\d+/commands")
    assert sync.path == f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
    (group,) = sync.json
    assert group["name"] == "practice"
    assert group["contexts"] == [0]  # guild only
    options = {o["name"]: o for o in group["options"]}
    assert set(options) == SUBCOMMANDS
    autocompleted = {
        (sub, o["name"]) for sub, spec in options.items() for o in spec["options"] if o.get("autocomplete")
    }
    assert autocompleted == {("interview", "scenario"), ("schedule", "timezone"), ("schedule", "weekdays"),
                             ("section", "number"), ("timezone", "zone"), ("pairing", "timezone")}
    assert not fake.find("PUT", rf"/applications/{APPLICATION_ID}/commands")


async def test_without_a_development_guild_commands_sync_globally(make_harness: HarnessFactory,
                                                                  fake: FakeDiscord) -> None:
    await make_harness(discord_dev_guild_id=None)
    (sync,) = fake.find("PUT", r"/applications/\d+/commands")
    assert sync.path == f"/applications/{APPLICATION_ID}/commands"
    assert not fake.find("PUT", r"/applications/\d+/guilds/\d+/commands")


async def test_framework_commands_answer_at_once_as_ephemeral_embeds(harness: DiscordHarness,
                                                                      fake: FakeDiscord) -> None:
    interaction_id = await harness.slash("section", number=6)
    body = callback(fake, interaction_id)
    assert body["type"] == 4  # a message right away, no defer: nothing slow behind it
    data = body["data"]
    assert isinstance(data, dict)
    assert data["flags"] == EPHEMERAL
    (embed,) = data["embeds"]
    assert embed["title"].startswith("Section 6: ")
    assert "**" not in embed["title"]
    assert "_(from 6." in embed["description"]


async def test_unknown_values_get_friendly_messages(harness: DiscordHarness, fake: FakeDiscord) -> None:
    section = await harness.slash("section", number=12)
    assert callback(fake, section)["data"] == {"content": "There is no section 12: sections are numbered 0 to 9.",
                                               "embeds": [], "flags": EPHEMERAL, "tts": False,
                                               "allowed_mentions": {"parse": ["users"]}}
    scenario = await harness.slash("interview", scenario="url shortner")
    (reply,) = followups(fake, scenario)
    assert reply["content"] == (
        "Unknown scenario `url-shortner`. Did you mean `url-shortener`? Try `/practice scenarios`."
    )
    assert reply["flags"] == EPHEMERAL
    timezone = await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, timezone="Mars/Olympus")
    assert "Unknown timezone `Mars/Olympus`" in str(followups(fake, timezone)[-1]["content"])
    assert not fake.find("POST", rf"/channels/{CHANNEL_ID}/messages")  # nothing was posted for any of them


async def test_autocomplete_suggests_scenarios_sections_timezones_and_weekdays(harness: DiscordHarness) -> None:
    scenarios = await harness.autocomplete("interview", "scenario", scenario="short")
    assert {"name": "URL shortener (url-shortener)", "value": "url-shortener"} in scenarios
    sections = await harness.autocomplete("section", "number", number="stor")
    assert [s["value"] for s in sections] == [6]
    assert sections[0]["name"] == "6. Data Storage & Retrieval"
    timezones = await harness.autocomplete("schedule", "timezone", timezone="berl")
    assert timezones[0] == {"name": "Europe/Berlin", "value": "Europe/Berlin"}
    assert len(await harness.autocomplete("schedule", "timezone", timezone="a")) == 25
    weekdays = await harness.autocomplete("schedule", "weekdays", weekdays="we")
    assert [w["value"] for w in weekdays] == ["weekends"]


async def test_a_schedule_change_needs_manage_channels(harness: DiscordHarness, fake: FakeDiscord) -> None:
    refused = await harness.slash("schedule", user=BOB, time="09:30", timezone="Europe/Berlin", weekdays="mon-fri")
    assert callback(fake, refused)["data"] == {"flags": EPHEMERAL}  # private from the start
    (reply,) = followups(fake, refused)
    assert "Manage Channels" in str(reply["content"]) and reply["flags"] == EPHEMERAL
    assert await harness.service.store.get_channel(CHANNEL) is None

    allowed = await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, time="09:30",
                                  timezone="Europe/Berlin", weekdays="mon-fri")
    assert callback(fake, allowed).get("data") is None  # a public defer: the change is announced
    (announced,) = followups(fake, allowed)
    assert "Daily prompts here at 09:30 Europe/Berlin on Mon-Fri" in str(announced["content"])
    assert "flags" not in announced or not announced["flags"]
    channel = await harness.service.store.get_channel(CHANNEL)
    assert channel is not None and channel.schedule is not None and channel.schedule.timezone == "Europe/Berlin"

    manage_server = await harness.slash("schedule", user=ADMIN, permissions=1 << 5, weekdays="off")
    assert "off" in str(followups(fake, manage_server)[0]["content"])


async def test_a_query_after_a_public_defer_would_stay_private(harness: DiscordHarness, fake: FakeDiscord) -> None:
    # A manager who changes nothing valid: deferred publicly, the error is private (placeholder deleted).
    interaction_id = await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, weekdays="someday")
    assert fake.find("DELETE", rf"/webhooks/{APPLICATION_ID}/token-{interaction_id}-\d+/messages/@original")
    (reply,) = followups(fake, interaction_id)
    assert reply["flags"] == EPHEMERAL and "weekdays" in str(reply["content"])


async def test_streak_and_leaderboard(harness: DiscordHarness, fake: FakeDiscord) -> None:
    mine = await harness.slash("streak")
    assert callback(fake, mine)["data"] == {"flags": EPHEMERAL}
    assert "Alice has no practice days yet" in str(followups(fake, mine)[0]["content"])
    bobs = await harness.slash("streak", member=BOB)
    assert followups(fake, bobs)[0]["content"] == f"I haven't seen <@{BOB.id}> practise here yet."
    board = await harness.slash("leaderboard", window="week", user=ALICE)
    assert callback(fake, board).get("data") is None  # public
    embeds = followups(fake, board)[0]["embeds"]
    assert isinstance(embeds, list) and [e["title"] for e in embeds] == ["Leaderboard, this week"]


async def test_an_unexpected_error_gets_an_apology_with_an_error_id(
    harness: DiscordHarness, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object) -> Reply:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(harness.service, "handle_command", broken)
    interaction_id = await harness.slash("streak")
    (reply,) = followups(fake, interaction_id)
    assert reply["flags"] == EPHEMERAL
    error_id = re.search(r"error id (E-[0-9A-F]{8})", str(reply["content"]))
    assert error_id is not None
    assert any(error_id.group(1) in r.getMessage() and r.exc_info for r in caplog.records)
    assert "database on fire" not in str(reply["content"])


async def test_an_error_escaping_a_command_is_answered_by_the_tree(
    harness: DiscordHarness, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("adapter bug")

    cog = harness.bot.get_cog("PracticeCog")  # the extension's own module object: not importable as-is
    assert cog is not None
    monkeypatch.setattr(cog, "_context", broken)
    payload = harness.slash_payload("help")
    harness.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
    path = rf"/interactions/{payload['id']}/[^/]+/callback"
    await fake.wait_for(lambda: fake.find("POST", path))
    data = fake.find("POST", path)[0].json["data"]
    assert data["flags"] == EPHEMERAL and "Sorry, something went wrong" in data["content"]


async def test_timezone_with_autocomplete_and_did_you_mean(harness: DiscordHarness, fake: FakeDiscord) -> None:
    suggested = await harness.autocomplete("timezone", "zone", zone="kolk")
    assert suggested[0] == {"name": "Asia/Kolkata", "value": "Asia/Kolkata"}
    assert [s["value"] for s in await harness.autocomplete("timezone", "zone", zone="")][:2] == ["UTC", "Europe/London"]
    typo = await harness.slash("timezone", zone="Europe/Berln")
    assert callback(fake, typo)["data"] == {"flags": EPHEMERAL}
    assert "Did you mean `Europe/Berlin`" in str(followups(fake, typo)[0]["content"])
    chosen = await harness.slash("timezone", zone="ASIA/kolkata")  # any case
    assert "*Asia/Kolkata*" in str(followups(fake, chosen)[0]["embeds"] or followups(fake, chosen)[0]["content"])
    member = await harness.service.store.get_member(UserRef("discord", str(ALICE.id), str(GUILD_ID)))
    assert member is not None and member.timezone == "Asia/Kolkata"
    shown = await harness.slash("timezone")
    assert "Asia/Kolkata" in str(followups(fake, shown)[0])


async def test_pause_resume_and_a_channels_skipped_day(harness: DiscordHarness, fake: FakeDiscord) -> None:
    paused = await harness.slash("pause", days=5)
    assert callback(fake, paused)["data"] == {"flags": EPHEMERAL}
    assert "You're away for 5 days" in str(followups(fake, paused)[0])
    again = await harness.slash("pause", days=3)
    assert "already away" in str(followups(fake, again)[0]["content"])
    resumed = await harness.slash("resume")
    assert "cancelled" in str(followups(fake, resumed)[0])
    refused = await harness.slash("pause", days=20)
    assert "1 to 14 days" in str(followups(fake, refused)[0]["content"])

    await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, time="10:00", timezone="UTC",
                        weekdays="daily")
    day = harness.clock.now().date()
    skip = (day + timedelta(days=2)).isoformat()
    skipped = await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, skip=skip)
    assert "Skipped: " in str(followups(fake, skipped)[0])
    channel = await harness.service.store.get_channel(CHANNEL)
    assert channel is not None and channel.schedule is not None
    assert [d.isoformat() for d in channel.schedule.skipped] == [skip]
    until = (day + timedelta(days=4)).isoformat()
    held = await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, pause_until=until)
    assert "Paused until" in str(followups(fake, held)[0])
    back = await harness.slash("schedule", user=ADMIN, permissions=MANAGE_CHANNELS, pause_until="resume")
    assert "Paused until" not in str(followups(fake, back)[0])
    not_admin = await harness.slash("schedule", user=BOB, skip=skip)
    assert "Manage Channels" in str(followups(fake, not_admin)[0]["content"])
