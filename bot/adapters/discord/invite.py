"""``practice-bot discord invite-url``: the OAuth2 link that adds the bot to a server.

Scopes ``bot`` and ``applications.commands``; permissions are only those the bot uses:

- View Channels, Send Messages: see the channel, post daily prompts and interview parents;
- Create Public Threads, Send Messages in Threads: a thread per prompt and per interview;
- Embed Links: prompts, scorecards and leaderboards are embeds (suppressed without it);
- Add Reactions, Read Message History: the ✅ on each counted answer (Discord needs both to react);
- Attach Files: ``/practice stats`` and ``/practice team`` are pictures (without it, their text fallback);
- Create Private Threads: ``/practice drill`` opens a private thread (and every mock interview does with
  ``DISCORD_PRIVATE_THREADS=true``).
"""

from __future__ import annotations

import base64
import binascii
import sys
from typing import TextIO

import discord

from bot.config import Settings

SCOPES = ("bot", "applications.commands")


def permissions(*, private_threads: bool = False) -> discord.Permissions:
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        create_public_threads=True,
        send_messages_in_threads=True,
        embed_links=True,
        add_reactions=True,
        read_message_history=True,
        attach_files=True,
        create_private_threads=True,  # drills always; interviews with private_threads
    )


def invite_url(application_id: str, *, private_threads: bool = False) -> str:
    application_id = application_id.strip()
    if not (application_id.isascii() and application_id.isdigit()):
        raise ValueError(f"a Discord application id is a number, not {application_id[:30]!r}")
    return discord.utils.oauth_url(
        int(application_id), permissions=permissions(private_threads=private_threads), scopes=SCOPES
    )


def application_id_from_token(token: str) -> str | None:
    """A bot token starts with its user id in base64, which is the application id for bot users."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def main(settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the invite URL; exit status 2 when no application id can be found."""
    out, err = out or sys.stdout, err or sys.stderr
    application_id = settings.discord_application_id
    if not application_id and settings.discord_token is not None:
        application_id = application_id_from_token(settings.discord_token.get_secret_value())
    if not application_id:
        where = "Developer Portal > your app > General Information"
        if settings.discord_token is not None:
            print(f"practice-bot: DISCORD_TOKEN is set but does not look like a bot token (its first part should "
                  f"be the application id in base64), so it names no application. Check the token, or set "
                  f"DISCORD_APPLICATION_ID ({where}).", file=err)
        else:
            print(f"practice-bot: set DISCORD_APPLICATION_ID ({where}) or DISCORD_TOKEN", file=err)
        return 2
    try:
        url = invite_url(application_id, private_threads=settings.discord_private_threads)
    except ValueError as exc:
        print(f"practice-bot: {exc}", file=err)
        return 2
    print(url, file=out)
    return 0
