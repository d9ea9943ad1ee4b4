"""The ``practice-bot`` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.config import Settings

if TYPE_CHECKING:
    from bot.core.members import ForgetReport
    from bot.core.progress import ExportFormat
    from bot.core.refs import Platform

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="practice-bot",
        description="System-design interview practice in Slack, Discord and the terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("run", help="run every adapter whose tokens are set (the console if none)")

    console = commands.add_parser("console", help="the whole bot in this terminal")
    console.add_argument("--speed", type=float, default=1.0, help="run the clock N times faster (demos)")
    console.add_argument("--seed", type=int, default=None, help="seed the random choices (reproducible runs)")

    commands.add_parser("migrate", help="apply database migrations and exit")
    commands.add_parser("healthcheck", help="exit 0 if the running bot ticked recently (containers)")

    from bot.scoring.cli import add_score_arguments

    score = commands.add_parser("score", help="score an answer read from stdin and print its scorecard")
    add_score_arguments(score)
    commands.add_parser("stats", help="scoring usage: sections scored, LLM tokens per section (admins)")
    from bot.scoring.check import add_check_arguments

    llm = commands.add_parser("llm", help="LLM scoring helpers")
    llm_commands = llm.add_subparsers(dest="llm_command", metavar="ACTION", required=True)
    add_check_arguments(llm_commands.add_parser(
        "check", help="one scoring call to the configured endpoint: reachable, schema honoured, time, tokens, advice"))
    forget = commands.add_parser("forget", help="delete every row about one person (operators; asks y/n)")
    forget.add_argument("--platform", required=True, choices=["slack", "discord", "console"])
    forget.add_argument("--member", required=True, metavar="ID", help="their user id on that platform")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    member_export = commands.add_parser("export", help="print one person's transcript: interviews, prompts, drills "
                                                       "(operators)")
    member_export.add_argument("--platform", required=True, choices=["slack", "discord", "console"])
    member_export.add_argument("--member", required=True, metavar="ID", help="their user id on that platform")
    member_export.add_argument("--format", choices=["md", "json"], default="md")
    member_export.add_argument("--out", metavar="PATH", help="write to this file instead of standard output")
    discord = commands.add_parser("discord", help="Discord helpers")
    discord_commands = discord.add_subparsers(dest="discord_command", metavar="ACTION", required=True)
    discord_commands.add_parser("invite-url", help="print the OAuth2 URL that adds the bot to a server")

    fw = commands.add_parser("framework", help="the framework content")
    fw_commands = fw.add_subparsers(dest="framework_command", metavar="ACTION", required=True)
    export = fw_commands.add_parser("export", help="print all sections, items and scenarios")
    export.add_argument("--format", choices=["json", "yaml"], default="json")
    show = fw_commands.add_parser("show", help="print one section readably")
    show.add_argument("section", help="section number 0-9")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `practice-bot score ... | head -3` closes our stdout early: not an error
        # Python flushes stdout again at exit; point it at /dev/null so that flush cannot complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "run"
    if args.command == "framework":
        return _framework(args)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        print(f"practice-bot: bad setting {field}: {first['msg']}", file=sys.stderr)
        return 2
    from bot.runtime import configure_logging

    # The console shares the terminal with the log: keep it to warnings unless LOG_LEVEL says otherwise.
    # `migrate` says what it did in one line of its own.
    console = args.command in {"console", "migrate"} or (args.command == "run" and not (
        settings.slack_configured or settings.discord_configured))
    explicit = "LOG_LEVEL" in os.environ
    configure_logging(settings.log_level if explicit or not console else "WARNING", log_format=settings.log_format,
                      secrets=settings.secrets)
    try:
        if args.command == "migrate":
            from bot.storage.database import migrate

            upgraded = asyncio.run(migrate(settings.database_url))
            print("database migrated to the newest revision" if upgraded else "database is already up to date")
            return 0
        if args.command == "healthcheck":
            return _healthcheck(settings)
        if args.command == "score":
            from bot.scoring.cli import run_score

            return run_score(args, settings)
        if args.command == "stats":
            return asyncio.run(_stats(settings))
        if args.command == "llm":
            from bot.scoring.check import run_check

            return run_check(args, settings)
        if args.command == "forget":
            return _forget(settings, platform=args.platform, member=args.member, confirmed=args.yes)
        if args.command == "export":
            return _export(settings, platform=args.platform, member=args.member, fmt=args.format, out=args.out)
        if args.command == "discord":
            from bot.adapters.discord.invite import main as invite_main

            return invite_main(settings)
        if args.command == "console":
            return asyncio.run(_console(settings, speed=args.speed, seed=args.seed))
        if args.command == "run":
            return asyncio.run(_run(settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except Exception as exc:  # a person runs this: one clear line, the details in the debug log
        from bot.core.errors import new_error_id

        error_id = new_error_id()
        log.debug("error %s", error_id, exc_info=True)
        print(f"practice-bot: {exc} (error id {error_id}; LOG_LEVEL=DEBUG shows the details)", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command}")
    return 2


def _framework(args: argparse.Namespace) -> int:
    from framework import ContentError, load

    try:
        fw = load()
    except ContentError as exc:
        print(f"practice-bot: framework content is invalid: {exc}", file=sys.stderr)
        return 1
    if args.framework_command == "export":
        data = fw.to_export()
        if args.format == "json":
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            import yaml

            print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        return 0
    text = str(args.section).strip()
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) < len(fw.sections):
        print(f"practice-bot: no section {text!r}; sections are 0-{len(fw.sections) - 1}", file=sys.stderr)
        return 2
    section = fw.section(int(text))
    budget = f"{section.budget_minutes} min" if section.budget_minutes else "as time allows"
    lines = [f"{section.number}. {section.title} ({budget})", f"Goal: {section.goal}", "", "Interviewer opens:"]
    lines += [f"  - {q.replace('{scenario}', 'the system')}" for q in section.openings]
    lines += ["", "Checklist:"]
    for item in section.items:
        lines.append(f"  [{item.source}] {item.covers} (weight {item.weight:g})")
        lines.append(f"        probe: {item.probe}")
    print("\n".join(lines))
    return 0


async def _console(settings: Settings, *, speed: float, seed: int | None) -> int:
    import random

    from bot.adapters.console import ConsoleAdapter
    from bot.runtime import build_runtime, console_clock, serve

    if not (math.isfinite(speed) and 0 < speed <= 100_000):
        print("practice-bot: --speed must be a number between 0 and 100000 (e.g. 60 or 600)", file=sys.stderr)
        return 2
    clock = console_clock(speed)
    runtime = await build_runtime(settings, clock=clock,
                                  rng=random.Random(seed) if seed is not None else None)  # noqa: S311
    adapter = ConsoleAdapter(runtime.service, timezone=settings.default_timezone, clock=clock)
    tick = max(0.05, min(settings.tick_seconds, settings.tick_seconds / speed * 10))
    await serve(runtime, [adapter], tick_seconds=tick)
    return 0


async def _run(settings: Settings) -> int:
    from bot.runtime import build_runtime, platform_adapters, serve

    if not (settings.slack_configured or settings.discord_configured):
        log.info("no Slack or Discord tokens set: starting the console on %s", settings.database_url)
        return await _console(settings, speed=1.0, seed=None)
    runtime = await build_runtime(settings)
    await serve(runtime, platform_adapters(settings, runtime.service, runtime=runtime),
                tick_seconds=settings.tick_seconds)
    return 0


def _healthcheck(settings: Settings) -> int:
    """Healthy when the bot's clock ticked recently (the tick also proves the database answers)."""
    import time

    if settings.heartbeat_file is None:
        print("practice-bot: set HEARTBEAT_FILE to use the health check", file=sys.stderr)
        return 1
    try:
        age = time.time() - settings.heartbeat_file.stat().st_mtime
    except FileNotFoundError:
        print("unhealthy: no heartbeat yet", file=sys.stderr)
        return 1
    limit = max(60.0, settings.tick_seconds * 6)
    if age > limit:
        print(f"unhealthy: last tick {age:.0f} s ago", file=sys.stderr)
        return 1
    print(f"healthy: last tick {age:.0f} s ago")
    return 0


def _forget(settings: Settings, *, platform: Platform, member: str, confirmed: bool) -> int:
    member = member.strip()
    if not member or len(member) > 100 or not member.isprintable():
        print("practice-bot: --member takes the person's user id on that platform, e.g. U0123ABCD", file=sys.stderr)
        return 2
    if not confirmed:
        sys.stdout.write(f"Delete every row about {platform} member {member}? This cannot be undone. [y/N] ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in {"y", "yes"}:
            print("Nothing was deleted.")
            return 1
    report = asyncio.run(_forget_member(settings, platform, member))
    if report.total == 0:
        print(f"Nothing about {platform} member {member} was stored; nothing was deleted.")
        return 0
    print(
        f"Deleted {report.total} rows: {report.members} member, {report.answers} answers, {report.scores} scores, "
        f"{report.interviews} interviews, {report.practice_days} practice days, {report.events} events, "
        f"{report.outbox} outbox rows, {report.drills} drills."
    )
    return 0


async def _forget_member(settings: Settings, platform: Platform, member: str) -> ForgetReport:
    from bot.core.members import Forgetting
    from bot.scheduling.clock import SystemClock
    from bot.storage.database import create_engine, migrate
    from bot.storage.repository import SqlStore

    await migrate(settings.database_url)
    store = SqlStore(create_engine(settings.database_url))
    try:
        return await Forgetting(store=store, clock=SystemClock()).forget(platform, member)
    finally:
        await store.close()


def _export(settings: Settings, *, platform: Platform, member: str, fmt: ExportFormat, out: str | None) -> int:
    member = member.strip()
    if not member or len(member) > 100 or not member.isprintable():
        print("practice-bot: --member takes the person's user id on that platform, e.g. U0123ABCD", file=sys.stderr)
        return 2
    document = asyncio.run(_member_document(settings, platform, member, fmt))
    if document is None:
        print(f"practice-bot: nothing about {platform} member {member} is stored", file=sys.stderr)
        return 1
    if out is None:
        sys.stdout.write(document)
        return 0
    try:
        with open(out, "w", encoding="utf-8") as file:
            file.write(document)
    except OSError as exc:
        print(f"practice-bot: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


async def _member_document(settings: Settings, platform: Platform, member: str, fmt: ExportFormat) -> str | None:
    from bot.core.progress import History
    from bot.storage.database import create_engine, migrate
    from bot.storage.repository import SqlStore
    from framework import load

    await migrate(settings.database_url)
    store = SqlStore(create_engine(settings.database_url))
    try:
        return await History(store=store, framework=load()).document(platform, member, fmt)
    finally:
        await store.close()


async def _stats(settings: Settings) -> int:
    from bot.scoring.stats import format_stats
    from bot.storage.database import create_engine, migrate
    from bot.storage.repository import SqlStore

    await migrate(settings.database_url)
    store = SqlStore(create_engine(settings.database_url))
    try:
        print(format_stats(await store.usage_totals()))
    finally:
        await store.close()
    return 0
