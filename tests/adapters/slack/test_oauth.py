"""Installs in many workspaces (OAuth v2): two workspaces installed through the real flow on one process
and one database, each one's Web API calls made with its own bot token; bad and replayed states refused.

The real bolt app and its OAuth flow behind uvicorn, slack_sdk's SQLAlchemy stores on the bot's database
(SQLite and PostgreSQL, tables from migration 0010), and the mock Web API answering ``oauth.v2.access``.
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import yaml
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, select

from bot.adapters.slack import SlackAdapter
from bot.adapters.slack.adapter import SlackConfigError, choose_mode
from bot.adapters.slack.installs import BOT_SCOPES, NOT_INSTALLED
from bot.core.records import OutboxDraft
from bot.core.refs import ChannelRef, UserRef
from bot.core.service import PracticeService
from bot.scheduling.clock import FakeClock
from bot.scoring.offline import OfflineScorer
from bot.storage.database import create_engine
from bot.storage.models import Base, Outbox
from bot.storage.repository import SqlStore
from framework import load
from tests.adapters.slack.conftest import ADMIN, ALICE, FAST, SECRET, START, SlackHarness, slack_settings
from tests.adapters.slack.mock_api import MockSlackApi
from tests.adapters.slack.signed import SignedClient, command_body, event_body

ROOT = Path(__file__).resolve().parents[3]
TEAMS = {"T0AAA": ("Team A", "xoxb-team-a", "C0AAA"), "T0BBB": ("Team B", "xoxb-team-b", "C0BBB")}
COOKIE = "slack-app-oauth-state"


@dataclass
class Browser:
    """One person's browser: it keeps the state cookie the install page set (and sends it back)."""

    base_url: str
    session: aiohttp.ClientSession
    cookie: str = ""

    async def get(self, path: str, *, cookie: str | None = None) -> tuple[int, str]:
        sent = self.cookie if cookie is None else cookie
        headers = {"Cookie": f"{COOKIE}={sent}"} if sent else {}
        async with self.session.get(self.base_url + path, headers=headers, allow_redirects=False) as response:
            for header in response.headers.getall("Set-Cookie", []):
                found = re.match(rf"{COOKIE}=([^;]*)", header)
                if found:
                    self.cookie = found.group(1)
            return response.status, await response.text()

    async def start_install(self) -> str:
        status, page = await self.get("/slack/install")
        assert status == 200, page
        found = re.search(r"state=([0-9a-f-]+)", page)
        assert found is not None and found.group(1) == self.cookie, "the link and the cookie carry one state"
        assert "client_id=111.222" in page and "scope=" + ",".join(BOT_SCOPES) in page
        return found.group(1)


def oauth_settings(api: MockSlackApi) -> dict[str, object]:
    return {"slack_bot_token": None, "slack_client_id": "111.222", "slack_client_secret": "client-secret"}


@pytest.fixture
async def many(api: MockSlackApi, database_url: str, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    clock = FakeClock(START)
    store = SqlStore(create_engine(database_url))
    service = PracticeService(store=store, framework=load(), scorer=OfflineScorer(), clock=clock,
                              rng=random.Random(7))
    adapter = SlackAdapter(slack_settings(api, **oauth_settings(api)), service, options=FAST, engine=store.engine)
    await adapter.start()
    try:
        async with SignedClient(f"http://127.0.0.1:{adapter.port}", SECRET) as client:
            yield SlackHarness(adapter, api, service, clock, client)
    finally:
        await adapter.stop()
        await store.close()


async def install(slack: SlackHarness, browser: Browser, team: str, code: str) -> None:
    name, token, _ = TEAMS[team]
    state = await browser.start_install()
    slack.api.grant(code, team_id=team, team_name=name, bot_token=token, installer=ADMIN)
    status, page = await browser.get(f"/slack/oauth_redirect?code={code}&state={state}")
    assert status == 200, page
    assert f"installed in {name}" in page


async def test_two_workspaces_each_use_their_own_token(many: SlackHarness) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        browser = Browser(f"http://127.0.0.1:{many.adapter.port}", session)
        await install(many, browser, "T0AAA", "code-a")
        await install(many, browser, "T0BBB", "code-b")
    assert [c.params.get("code") for c in many.api.calls_to("oauth.v2.access")] == ["code-a", "code-b"]
    assert not many.api.calls_to("auth.test") or all(
        c.token in {"xoxb-team-a", "xoxb-team-b"} for c in many.api.calls_to("auth.test")), "no start-up token"

    for team, (_, _, channel) in TEAMS.items():
        [answer] = await many.command("schedule 09:30 UTC mon-fri", user=ADMIN, channel=channel, team=team)
        assert "Daily prompts here at 09:30" in answer.payload["text"]
        await many.command("interview url-shortener 20", user=ALICE, channel=channel, team=team)
    await many.tick(minutes=30)  # the daily fan-out, from the outbox

    token_of_channel = {channel: token for _, token, channel in TEAMS.values()}
    posts = many.api.calls_to("chat.postMessage")
    for channel in token_of_channel:
        roots = [c for c in posts if c.params.get("channel") == channel and not c.params.get("thread_ts")]
        threads = [c for c in posts if c.params.get("channel") == channel and c.params.get("thread_ts")]
        assert any(c.text.startswith("*Daily practice*") for c in roots), channel
        assert threads, f"the interview's phases go into its thread in {channel}"
    assert posts and all(c.token == token_of_channel[str(c.params["channel"])] for c in posts)
    lookups = many.api.calls_to("users.info")
    assert {c.token for c in lookups} == {"xoxb-team-a", "xoxb-team-b"}


async def test_a_bad_or_replayed_state_is_refused_with_a_clear_page(many: SlackHarness) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        browser = Browser(f"http://127.0.0.1:{many.adapter.port}", session)
        await install(many, browser, "T0AAA", "code-a")
        replay = f"/slack/oauth_redirect?code=code-a&state={browser.cookie}"
        status, page = await browser.get(replay)
        assert 400 <= status < 500 and "expired or was already used" in page and "/slack/install" in page

        status, page = await browser.get("/slack/oauth_redirect?code=code-x&state=made-up", cookie="made-up")
        assert 400 <= status < 500 and "expired or was already used" in page

        state = await browser.start_install()
        status, page = await browser.get(f"/slack/oauth_redirect?code=code-b&state={state}", cookie="other")
        assert 400 <= status < 500 and "another browser" in page
        assert "Traceback" not in page
    assert [c.params.get("code") for c in many.api.calls_to("oauth.v2.access")] == ["code-a"]


def test_the_mode_needs_http_and_not_also_a_bot_token(api: MockSlackApi) -> None:
    assert choose_mode(slack_settings(api, **oauth_settings(api))) == "http"
    with pytest.raises(SlackConfigError, match="not both"):
        choose_mode(slack_settings(api, **{**oauth_settings(api), "slack_bot_token": "xoxb-1"}))
    with pytest.raises(SlackConfigError, match="SLACK_MODE=http"):
        choose_mode(slack_settings(api, **oauth_settings(api), slack_mode="socket", slack_app_token="xapp-1"))


def test_the_tables_are_the_ones_slack_sdk_reads() -> None:
    theirs = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(theirs, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "slack_oauth_states")
    for name, table in theirs.tables.items():
        ours: Table = Base.metadata.tables[name]
        shape = [(c.name, type(c.type).__name__, getattr(c.type, "length", None), c.nullable, c.primary_key)
                 for c in table.c]
        assert [(c.name, type(c.type).__name__, getattr(c.type, "length", None), c.nullable, c.primary_key)
                for c in ours.c] == shape, name
        assert {i.name for i in ours.indexes} == {i.name for i in table.indexes}


def test_manifest_asks_for_the_scopes_redirect_and_events_of_installs() -> None:
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.http.yml").read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert [url.rsplit("/", 2)[-2:] for url in manifest["oauth_config"]["redirect_urls"]] == [
        ["slack", "oauth_redirect"]]
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])


async def test_an_uninstall_stops_that_workspace_and_keeps_its_history(many: SlackHarness) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        browser = Browser(f"http://127.0.0.1:{many.adapter.port}", session)
        await install(many, browser, "T0AAA", "code-a")
        await install(many, browser, "T0BBB", "code-b")
    for team, (_, _, channel) in TEAMS.items():
        await many.command("schedule 09:30 UTC mon-fri", user=ADMIN, channel=channel, team=team)
    await many.command("interview url-shortener 20", user=ALICE, channel="C0AAA", team="T0AAA")
    a_channel = ChannelRef("slack", "C0AAA", "T0AAA")
    await many.service.store.enqueue([  # a post still waiting when the workspace goes
        OutboxDraft(target=a_channel, text="later", purpose="notice", dedupe_key="waiting-a")])
    store = many.service.store
    assert await store.active_interview(UserRef("slack", ALICE, "T0AAA")) is not None

    before = len(many.api.calls_to("chat.postMessage"))
    answer = await many.client.post(
        event_body({"type": "app_uninstalled", "event_ts": "1.0"}, event_id="EvUninstall", team="T0AAA"),
        content_type="application/json")
    assert answer.status == 200
    await many.adapter.workers.wait_processed(many.adapter.workers.submitted)
    await many.adapter.settle()

    assert many.adapter.installations is not None and await many.adapter.installations.find("T0AAA") is None
    assert await many.adapter.installations.find("T0BBB") is not None
    assert await store.active_interview(UserRef("slack", ALICE, "T0AAA")) is None, "its interview ended"
    async with store.engine.connect() as connection:
        rows = (await connection.execute(select(Outbox.state, Outbox.error).where(
            Outbox.dedupe_key == "waiting-a"))).all()
    assert rows == [("dead", "slack app_uninstalled")], "marked, not deleted"

    await many.tick(minutes=30)
    posts = many.api.calls_to("chat.postMessage")[before:]
    assert [c.params["channel"] for c in posts if c.text.startswith("*Daily practice*")] == ["C0BBB"]
    assert all(c.token == "xoxb-team-b" for c in posts), "nothing more goes to the removed workspace"
    assert await store.get_member(UserRef("slack", ALICE, "T0AAA")) is not None, "history stays"

    gone = await many.client.post(
        command_body("help", user=ALICE, channel="C0AAA", response_url=many.api.response_url("gone"), team="T0AAA"),
        content_type="application/x-www-form-urlencoded")
    assert gone.status == 200
    [told] = await many.api.wait_for(lambda: many.api.responses_to("gone"))
    assert told.payload["text"] == NOT_INSTALLED, "a command from the removed workspace is told why, not ignored"
