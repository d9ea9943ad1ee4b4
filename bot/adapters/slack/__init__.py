"""Slack: a bolt ``AsyncApp`` in Socket Mode or HTTP mode, Block Kit rendering, and the Chat port."""

from bot.adapters.slack.adapter import SlackAdapter, SlackConfigError, SlackOptions
from bot.adapters.slack.chat import SlackChat

__all__ = ["SlackAdapter", "SlackChat", "SlackConfigError", "SlackOptions"]
