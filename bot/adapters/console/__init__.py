"""The whole bot in a terminal, on the same core (works on a pipe, no tty needed)."""

from bot.adapters.console.adapter import ConsoleAdapter, ConsoleChat

__all__ = ["ConsoleAdapter", "ConsoleChat"]
