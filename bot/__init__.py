"""practice-bot: system-design interview practice in team chat."""

__version__ = "0.1.0"
