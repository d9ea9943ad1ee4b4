"""Bolt listeners. Each module exposes ``register(app, service, deps)``; handlers ack first."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.listeners import actions, commands, home, ignored, installs, messages
from bot.adapters.slack.listeners._common import SlackDeps
from bot.core.service import PracticeService

__all__ = ["SlackDeps", "register_listeners"]


def register_listeners(app: AsyncApp, service: PracticeService, deps: SlackDeps) -> None:
    commands.register(app, service, deps)
    messages.register(app, service, deps)
    home.register(app, service, deps)  # before actions: its two buttons are taken here
    actions.register(app, service, deps)
    installs.register(app, service, deps)  # many workspaces only
    ignored.register(app, service, deps)  # last: bolt runs the first listener that matches
