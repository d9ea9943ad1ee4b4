"""The whole bot in Discord: discord.py client, ``/practice`` slash commands, threads, persistent buttons."""

from bot.adapters.discord.adapter import DiscordAdapter, DiscordStartError
from bot.adapters.discord.chat import DiscordChat
from bot.adapters.discord.invite import invite_url

__all__ = ["DiscordAdapter", "DiscordChat", "DiscordStartError", "invite_url"]
