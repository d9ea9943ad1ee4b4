"""Weekly pairing on Discord, end to end through the real client and the fake Discord API: an admin turns it
on with the slash command, people join with the command or the announcement's Join button, the clock's tick
makes the round and each member of a pair gets one direct message, then the mid-week reminder."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.refs import ChannelRef
from tests.adapters.discord.conftest import HarnessFactory
from tests.adapters.discord.fake_api import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    FakeDiscord,
    JsonObject,
    components_custom_ids,
)
from tests.adapters.discord.harness import ADMIN, ALICE, BOB, MANAGE_CHANNELS, Person

CAROL = Person(1_100_000_000_000_000_504, "Carol")
DAN = Person(1_100_000_000_000_000_505, "Dan")
TEAM = (ALICE, BOB, ADMIN, CAROL, DAN)
CHANNEL = ChannelRef("discord", str(CHANNEL_ID), str(GUILD_ID))


def text_of(message: JsonObject) -> str:
    embeds = message.get("embeds") or []
    parts = [message.get("content") or ""] + [f"{e.get('title', '')}\n{e.get('description', '')}" for e in embeds]
    return "\n".join(parts)


def webhook_messages(fake: FakeDiscord) -> list[JsonObject]:
    return [m for m in fake.messages.values() if m.get("webhook_id") == str(APPLICATION_ID)]


async def test_a_pairing_week_on_discord(make_harness: HarnessFactory, fake: FakeDiscord) -> None:
    harness = await make_harness()
    harness.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
    await harness.slash("pairing", user=ADMIN, permissions=MANAGE_CHANNELS, action="on", weekday="tuesday",
                        time="10:00", timezone="UTC")
    [announcement] = [m for m in webhook_messages(fake) if "Weekly pairing is on" in text_of(m)]
    assert "Tuesdays at 10:00 UTC" in text_of(announcement)
    assert "flags" not in announcement or not announcement["flags"]  # announced to the channel
    join = next(cid for cid in components_custom_ids(announcement) if "pairing.join" in cid)
    for person in (ALICE, BOB, ADMIN, CAROL):
        await harness.slash("pairing", user=person, action="join")
    await harness.press(announcement, join, user=DAN)
    await harness.slash("pairing", user=BOB, action="off")
    assert "Manage Channels" in text_of(webhook_messages(fake)[-1])
    pairing = await harness.service.store.get_pairing(CHANNEL)
    assert pairing is not None and pairing.enabled
    members = await harness.service.store.pairing_members(pairing.id)
    assert sorted(int(m.user.user_id) for m in members) == sorted(p.id for p in TEAM)

    harness.clock.set(datetime(2026, 3, 3, 10, 0, 5, tzinfo=UTC))
    await harness.service.tick()
    await harness.settle()
    await harness.service.tick()  # nothing more
    await harness.settle()
    dms = {p.id: fake.posted_in(int(fake.dm_channel(p.id)["id"])) for p in TEAM}
    assert all(len(messages) == 1 for messages in dms.values()), {k: len(v) for k, v in dms.items()}
    for (message,) in dms.values():
        shown = text_of(message)
        assert "Your practice pair this week" in shown
        assert "interviews first" in shown and "Suggested scenario" in shown
    names = {p.id: p.name for p in TEAM}
    groups = set()
    for person, (message,) in dms.items():
        title = text_of(message).split("\n")[1]
        assert names[person] not in title, "the title names the others, not you"
        groups.add(frozenset({person, *(p.id for p in TEAM if p.name in title)}))
    assert sorted(len(g) for g in groups) == [2, 3]  # a pair and a trio, every member in one
    assert frozenset().union(*groups) == {p.id for p in TEAM}
    assert not fake.posted_in(CHANNEL_ID), "nothing is posted in the channel for a round"

    harness.clock.set(datetime(2026, 3, 6, 22, 0, 10, tzinfo=UTC))
    await harness.service.tick()
    await harness.settle()
    for person in TEAM:
        posted = fake.posted_in(int(fake.dm_channel(person.id)["id"]))
        assert len(posted) == 2 and "Mid-week reminder" in text_of(posted[1])

