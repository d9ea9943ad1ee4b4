from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.messages import split_text
from bot.core.refs import ChannelRef, MessageRef, ThreadRef, UserRef, parse_target, serialise_target

ids = st.text(min_size=1, max_size=20)
platforms = st.sampled_from(["console", "slack", "discord"])


@given(platforms, ids, ids, ids, ids)
def test_refs_round_trip(platform: str, channel: str, workspace: str, thread: str, message: str) -> None:
    c = ChannelRef(platform, channel, workspace)  # type: ignore[arg-type]
    t = ThreadRef(c, thread)
    m = MessageRef(c, message, t)
    u = UserRef(platform, message, workspace, thread)  # type: ignore[arg-type]
    assert ChannelRef.parse(c.serialise()) == c
    assert ThreadRef.parse(t.serialise()) == t
    assert MessageRef.parse(m.serialise()) == m
    assert MessageRef.parse(MessageRef(c, message).serialise()) == MessageRef(c, message)
    assert UserRef.parse(u.serialise()) == u
    assert parse_target(serialise_target(t)) == t
    assert parse_target(serialise_target(c)) == c


@given(st.text(max_size=5000), st.integers(min_value=20, max_value=400))
def test_split_text_keeps_order_and_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    squeeze = "".join("".join(p.split()) for p in parts)
    assert squeeze == "".join(text.split())
