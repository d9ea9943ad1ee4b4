"""Block Kit rendering: every neutral block, Slack's limits, and no way to page a channel."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack import render as r
from bot.core.catalog._texts import help_message, scenarios_message, section_message, sections_message
from bot.core.messages import (
    Block,
    Button,
    ButtonsBlock,
    ContextBlock,
    DividerBlock,
    FieldsBlock,
    OutMessage,
    SectionBlock,
)
from bot.core.progress._texts import leaderboard_message
from framework import load


def test_each_neutral_block_has_its_block_kit_form() -> None:
    message = OutMessage(
        text="*Title*\nbody",
        blocks=(
            SectionBlock("*Title*\nbody"),
            FieldsBlock((("Scope", "7.5/10"), ("Design", "skipped"))),
            ButtonsBlock((Button("interview.next", "Next section", "42", "primary"),
                          Button("interview.hint", "Hint", "42"),
                          Button("interview.end", "End interview", "42", "danger"))),
            DividerBlock(),
            ContextBlock("Scored by: offline"),
        ),
    )
    rendered = r.render(message)
    assert rendered.text == "*Title*\nbody"
    assert rendered.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Title*\nbody"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Scope*\n7.5/10"},
                                       {"type": "mrkdwn", "text": "*Design*\nskipped"}]},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "interview.next", "value": "42", "style": "primary",
             "text": {"type": "plain_text", "text": "Next section", "emoji": True}},
            {"type": "button", "action_id": "interview.hint", "value": "42",
             "text": {"type": "plain_text", "text": "Hint", "emoji": True}},
            {"type": "button", "action_id": "interview.end", "value": "42", "style": "danger",
             "text": {"type": "plain_text", "text": "End interview", "emoji": True}},
        ]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Scored by: offline"}]},
    ]


def test_response_payloads_follow_the_ephemeral_flag() -> None:
    assert r.response_payload(help_message())["response_type"] == "ephemeral"
    assert r.response_payload(leaderboard_message("week", []))["response_type"] == "in_channel"
    assert r.response_payload(OutMessage(text="plain"))["replace_original"] is False
    assert "blocks" not in r.response_payload(OutMessage(text="plain"))


def test_broadcast_mentions_print_literally_but_user_mentions_stay() -> None:
    rendered = r.render(OutMessage(text="hi <!channel> and <!here|here> <@U1>", blocks=(SectionBlock("<!everyone>"),)))
    assert rendered.text == "hi &lt;!channel> and &lt;!here|here> <@U1>"
    assert rendered.blocks[0]["text"]["text"] == "&lt;!everyone>"
    assert r.escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_long_texts_split_into_sections_within_limits() -> None:
    long = "\n".join(f"line {n} " + "x" * 90 for n in range(100))
    blocks = r.render(OutMessage(text=long[:3000], blocks=(SectionBlock(long),))).blocks
    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= r.MAX_SECTION_TEXT for b in blocks)


def test_every_core_text_renders_within_slack_limits() -> None:
    framework = load()
    for section in framework.sections:
        _assert_valid(r.render(section_message(section)).blocks)
    for message in (help_message(), sections_message(framework), scenarios_message(framework)):
        _assert_valid(r.render(message).blocks)


def _assert_valid(blocks: list[dict[str, object]]) -> None:
    assert len(blocks) <= r.MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert 0 < len(block["text"]["text"]) <= r.MAX_SECTION_TEXT  # type: ignore[index]
        if block["type"] == "section" and "fields" in block:
            fields = block["fields"]
            assert 0 < len(fields) <= r.MAX_FIELDS  # type: ignore[arg-type]
            assert all(len(f["text"]) <= r.MAX_FIELD_TEXT for f in fields)  # type: ignore[attr-defined,index]
        if block["type"] == "actions":
            elements = block["elements"]
            assert 0 < len(elements) <= r.MAX_BUTTONS  # type: ignore[arg-type]
            for element in elements:  # type: ignore[attr-defined]
                assert len(element["text"]["text"]) <= r.MAX_BUTTON_LABEL
                assert len(element["value"]) <= r.MAX_BUTTON_VALUE
        if block["type"] == "context":
            assert len(block["elements"][0]["text"]) <= r.MAX_CONTEXT_TEXT  # type: ignore[index]


_text = st.text(max_size=4000)
_blocks: st.SearchStrategy[Block] = st.one_of(
    st.builds(SectionBlock, _text),
    st.builds(FieldsBlock, st.lists(st.tuples(st.text(max_size=300), st.text(max_size=2500)), max_size=25).map(tuple)),
    st.builds(ButtonsBlock, st.lists(st.builds(Button, st.text(min_size=1, max_size=40), st.text(max_size=120),
                                               st.text(max_size=2100),
                                               st.sampled_from(["default", "primary", "danger"])),
                                     max_size=30).map(tuple)),
    st.just(DividerBlock()),
    st.builds(ContextBlock, _text),
)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=5000), blocks=st.lists(_blocks, max_size=60))
def test_rendering_never_raises_and_always_fits(text: str, blocks: list[Block]) -> None:
    rendered = r.render(OutMessage(text=text, blocks=tuple(blocks)))
    assert rendered.text, "text is always present"
    assert len(rendered.text) <= r.MAX_MESSAGE_TEXT
    _assert_valid(rendered.blocks)
    assert "<!channel" not in rendered.text + repr(rendered.blocks)
