"""Pure rendering (neutral message -> content / embeds / view), custom ids, and the invite URL."""

from __future__ import annotations

import base64
import io
from urllib.parse import parse_qs, urlsplit

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord import invite, render
from bot.adapters.discord.views import PracticeButton, custom_id
from bot.core.catalog._texts import help_message, scenarios_message, section_message, sections_message
from bot.core.messages import Button, ButtonsBlock, ContextBlock, FieldsBlock, OutMessage, SectionBlock
from bot.core.prompts._texts import not_admin
from bot.core.texts import apology
from framework import load
from tests.adapters.discord.harness import settings


def test_markup_becomes_discord_markdown_and_code_is_left_alone() -> None:
    assert render.to_markdown("*bold* and _it_ and ~gone~") == "**bold** and _it_ and ~~gone~~"
    assert render.to_markdown("`/practice *x*` then *y*") == "`/practice *x*` then **y**"
    assert render.to_markdown("2 * 3 * 4 and a*b*c") == "2 * 3 * 4 and a*b*c"
    assert render.to_markdown("<https://example.com|the docs>") == "[the docs](https://example.com)"


def test_titled_messages_become_embeds_without_repeating_the_title() -> None:
    message = section_message(load().section(2))
    (part,) = render.render(message)
    (embed,) = part.embeds
    assert part.content == "" and part.view is None
    assert embed.title == message.title
    assert embed.description is not None and not embed.description.startswith("**Section 2")
    assert embed.colour == render.COLOUR


def test_fields_context_and_buttons() -> None:
    message = OutMessage(
        text="Scorecard",
        title="Scorecard: X",
        blocks=(
            SectionBlock("*Scorecard: X*"),
            FieldsBlock((("0. Framing", "7.0/10"), ("1. Scope", "skipped"))),
            ContextBlock("Scored by: offline"),
            ButtonsBlock((Button("interview.next", "Next section", "12", "primary"),
                          Button("interview.end", "End", "12", "danger"))),
        ),
    )
    (part,) = render.render(message)
    (embed,) = part.embeds
    assert embed.description is None
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [("0. Framing", "7.0/10", True),
                                                                   ("1. Scope", "skipped", True)]
    assert embed.footer.text == "Scored by: offline"
    assert part.view is not None and part.view.timeout is None
    components = part.view.to_components()
    buttons = components[0]["components"]
    assert [(b["custom_id"], b["label"], b["style"]) for b in buttons] == [
        ("pb:interview.next:12", "Next section", discord.ButtonStyle.primary.value),
        ("pb:interview.end:12", "End", discord.ButtonStyle.danger.value),
    ]


def test_plain_text_is_content_split_at_discords_limit() -> None:
    long = "\n".join(f"line {n} " + "x" * 60 for n in range(100))
    parts = render.render(OutMessage(text=long, blocks=(SectionBlock(long),)))
    assert len(parts) > 1
    assert all(0 < len(p.content) <= render.CONTENT_LIMIT and not p.embeds for p in parts)
    assert "\n".join(p.content for p in parts).replace("\n", "") == long.replace("\n", "")


def test_embeds_never_exceed_discords_limits() -> None:
    fields = tuple((f"name {n} " + "n" * 300, "v" * 2000) for n in range(40))
    message = OutMessage(text="t", title="T" * 400, blocks=(SectionBlock("d" * 9000), FieldsBlock(fields),
                                                            ContextBlock("c" * 3000)))
    parts = render.render(message)
    embeds = [e for p in parts for e in p.embeds]
    assert len(embeds) == 3
    for embed in embeds:
        assert len(embed) <= render.EMBED_TOTAL_LIMIT
        assert len(embed.title or "") <= render.TITLE_LIMIT
        assert len(embed.description or "") <= render.DESCRIPTION_LIMIT
        assert len(embed.fields) <= render.MAX_FIELDS
        assert all(len(f.value or "") <= render.FIELD_VALUE_LIMIT for f in embed.fields)
    assert embeds[-1].footer.text is not None and "more not shown" in embeds[-1].footer.text


def test_buttons_that_cannot_round_trip_are_left_out_not_raised() -> None:
    message = OutMessage(text="x", blocks=(ButtonsBlock((Button("interview.next", "Go", "a:b"),
                                                         Button("prompt.checklist", "List", "7"))),))
    (part,) = render.render(message)
    assert part.view is not None
    assert [item.custom_id for item in part.view.children] == ["pb:prompt.checklist:7"]  # type: ignore[attr-defined]


@given(action=st.from_regex(r"[a-z][a-z0-9_.-]{0,39}", fullmatch=True),
       value=st.from_regex(r"[A-Za-z0-9_-]{0,40}", fullmatch=True))
def test_custom_ids_round_trip(action: str, value: str) -> None:
    cid = custom_id(action, value)
    assert cid is not None and len(cid) <= 100
    match = PracticeButton.__discord_ui_compiled_template__.fullmatch(cid)
    assert match is not None and (match["action"], match["value"]) == (action, value)


def test_every_core_message_renders() -> None:
    framework = load()
    messages = [help_message(), sections_message(framework), scenarios_message(framework),
                *(section_message(s) for s in framework.sections), not_admin(), apology("E-1"),
                render.not_manager(), render.interview_ready(5), render.prompt_posted(None)]
    for message in messages:
        parts = render.render(message)
        assert parts and all(p.content or p.embeds for p in parts)
        assert all(len(p.content) <= render.CONTENT_LIMIT for p in parts)


def test_thread_names_and_emoji() -> None:
    assert render.thread_name("  Mock   interview: " + "x" * 200) .startswith("Mock interview: x")
    assert len(render.thread_name("x" * 200)) == render.THREAD_NAME_LIMIT
    assert render.discord_emoji("white_check_mark") == "✅"
    assert render.discord_emoji("🎯") == "🎯"
    assert render.discord_emoji("no_such_name") is None


def test_invite_url_has_both_scopes_and_only_the_permissions_used() -> None:
    url = invite.invite_url("1100000000000000001")
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).netloc == "discord.com"
    assert query["client_id"] == ["1100000000000000001"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted == discord.Permissions(
        view_channel=True, send_messages=True, create_public_threads=True, send_messages_in_threads=True,
        embed_links=True, add_reactions=True, read_message_history=True, attach_files=True,
        create_private_threads=True,
    )
    private = discord.Permissions(int(parse_qs(urlsplit(invite.invite_url("1", private_threads=True)).query)
                                      ["permissions"][0]))
    assert private.create_private_threads and not private.manage_threads and not private.administrator
    with pytest.raises(ValueError, match="number"):
        invite.invite_url("my-bot")


def test_invite_main_prints_the_url_or_explains_what_is_missing() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert invite.main(settings(), out=out, err=err) == 0
    assert out.getvalue().startswith("https://discord.com/oauth2/authorize?client_id=1100000000000000001")
    token_id = base64.b64encode(b"1234567890123456789").decode().rstrip("=")
    out = io.StringIO()
    assert invite.main(settings(discord_application_id=None, discord_token=f"{token_id}.x.y"), out=out) == 0
    assert "client_id=1234567890123456789" in out.getvalue()
    err = io.StringIO()
    assert invite.main(settings(discord_application_id=None, discord_token=None), err=err) == 2
    assert "DISCORD_APPLICATION_ID" in err.getvalue()
