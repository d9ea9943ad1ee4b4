"""Weekly pairing on Slack, end to end through the real bolt app and the mock Web API: an admin turns it on,
people join by command or by the announcement's Join button, the clock's tick makes the round and each member
of a pair gets one direct message (``chat.postMessage`` to the user id), then the mid-week reminder."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.adapters.slack.conftest import ADMIN, ALICE, ALLOWED, BOB, CHANNEL, SlackHarness, buttons, channel

CAROL = "U0CAROL"
TEAM = (ALICE, BOB, ADMIN, ALLOWED, CAROL)


async def test_a_pairing_week_on_slack(slack: SlackHarness) -> None:
    [on] = await slack.command("pairing on tue 10:00 UTC", user=ADMIN)
    assert "Weekly pairing is on" in on.payload["text"] and "Tuesdays at 10:00 UTC" in on.payload["text"]
    assert on.payload["response_type"] == "in_channel"
    join = next(b for b in on.payload["blocks"] if b["type"] == "actions")["elements"][0]
    assert join["action_id"] == "pairing.join"
    for user in (ALICE, BOB, ADMIN, ALLOWED):
        [joined] = await slack.command("pairing join", user=user)
        assert "You're in" in joined.payload["text"] and joined.payload["response_type"] == "ephemeral"
    [clicked] = await slack.click(CAROL, join["action_id"], join["value"], message_ts="1.000001", thread_ts=None)
    assert "You're in" in clicked.payload["text"]
    [refused] = await slack.command("pairing off", user=BOB)
    assert "Only admins" in refused.payload["text"]
    pairing = await slack.service.store.get_pairing(channel())
    assert pairing is not None and pairing.enabled
    assert len(await slack.service.store.pairing_members(pairing.id)) == 5

    slack.clock.set(datetime(2026, 3, 3, 10, 0, 5, tzinfo=UTC))
    await slack.tick()
    await slack.tick()  # a second tick finds nothing more to do
    names = {m.user.display_name: m.user.user_id for m in await slack.service.store.pairing_members(pairing.id)}
    groups = set()
    for user in TEAM:
        [dm] = slack.api.posts(channel=user)
        assert dm.text.startswith("*Your practice pair this week:")
        assert "interviews first" in dm.text and "Suggested scenario" in dm.text
        named = dm.text.split("\n")[0].removeprefix("*Your practice pair this week: ").removesuffix("*")
        others = {names[name] for name in named.replace(" and ", ", ").split(", ")}
        assert user not in others
        groups.add(frozenset({user, *others}))
    assert not slack.api.posts(channel=CHANNEL, in_thread=False), "nothing is posted in the channel for a round"
    sizes = sorted(len(group) for group in groups)
    assert sizes == [2, 3], groups  # a pair and a trio, everyone in one

    slack.clock.set(datetime(2026, 3, 6, 22, 0, 10, tzinfo=UTC))
    await slack.tick()
    for user in TEAM:
        posts = slack.api.posts(channel=user)
        assert len(posts) == 2 and posts[1].text.startswith("*Mid-week reminder*")
    assert all(not buttons(p) for user in TEAM for p in slack.api.posts(channel=user))
