"""The app manifests ask for exactly what the code uses; `practice-bot run` serves Slack over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.slack.http import EVENTS_PATH
from bot.adapters.slack.listeners.commands import COMMAND
from tests.adapters.slack.mock_api import MockSlackApi
from tests.adapters.slack.signed import SignedClient

ROOT = Path(__file__).resolve().parents[3]
SCOPES = {
    "commands",  # /practice
    "chat:write",  # interview threads, daily prompts, scorecards
    "reactions:write",  # ✅ on counted answers
    "users:read",  # users.info: timezone, admin or owner
    "files:write",  # /practice stats and team: the pictures (files_upload_v2)
    "im:write",  # conversations.open: personal stats go to the member's DM with the bot
    "channels:history",  # message.channels: answers in public channels' threads
    "groups:history",  # message.groups: the same in private channels
    "im:history",  # message.im: answers to a drill, in its thread on the bot's DM
}
EVENTS = {"message.channels", "message.groups", "message.im", "app_home_opened"}
INSTALL_EVENTS = {"app_uninstalled", "tokens_revoked"}
"""HTTP mode can install in many workspaces (OAuth): it hears when one removes the app."""


def _manifest(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "slack" / name).read_text())
    return data


def test_both_manifests_ask_for_exactly_what_the_bot_uses() -> None:
    for name in ("manifest.yml", "manifest.http.yml"):
        manifest = _manifest(name)
        assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES, name
        events = EVENTS | INSTALL_EVENTS if name == "manifest.http.yml" else EVENTS
        assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == events, name
        [command] = manifest["features"]["slash_commands"]
        assert command["command"] == COMMAND
        assert command["should_escape"] is True, "members arrive as <@U123|name> for `/practice streak @x`"
        assert manifest["settings"]["interactivity"]["is_enabled"] is True, "buttons"
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True, "the App Home tab is published"
        assert manifest["features"]["app_home"]["messages_tab_enabled"] is True, "drills and stats arrive by DM"
        assert len(manifest["display_information"]["long_description"]) >= 175  # Slack's minimum


def test_socket_mode_manifest_needs_no_public_url_and_http_mode_points_at_one_endpoint() -> None:
    socket_mode, http_mode = _manifest("manifest.yml"), _manifest("manifest.http.yml")
    assert socket_mode["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket_mode["features"]["slash_commands"][0]
    assert "request_url" not in socket_mode["settings"]["event_subscriptions"]
    assert http_mode["settings"]["socket_mode_enabled"] is False
    urls = {
        http_mode["features"]["slash_commands"][0]["url"],
        http_mode["settings"]["event_subscriptions"]["request_url"],
        http_mode["settings"]["interactivity"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith(EVENTS_PATH)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_practice_bot_run_serves_slack_over_http_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with MockSlackApi() as api:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "OPENAI_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-run", SLACK_SIGNING_SECRET="run-secret", SLACK_MODE="http",
                   SLACK_API_URL=api.api_url, HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="WARNING",
                   DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}", HEARTBEAT_FILE=str(tmp_path / "beat"))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            await api.wait_for(lambda: api.calls_to("auth.test"), within=30)
            async with SignedClient(f"http://127.0.0.1:{port}", "run-secret") as client:
                ready = None
                for _ in range(300):  # the port opens right after auth.test; poll it briefly
                    try:
                        ready = await client.get("/readyz")
                    except OSError:
                        ready = None  # not listening yet
                    if ready is not None and ready.status == 200:
                        break
                    await asyncio.sleep(0.05)  # not listening, or 503 "starting": the adapter is not attached yet
                assert ready is not None and ready.status == 200
            # The runtime installs its SIGTERM handler right after the first tick (the heartbeat).
            for _ in range(300):
                if (tmp_path / "beat").exists():
                    break
                await asyncio.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        assert b"Traceback" not in stderr
