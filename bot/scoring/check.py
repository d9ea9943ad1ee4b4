"""``practice-bot llm check``: one scoring call to the configured endpoint, measured, with advice.

    practice-bot llm check [--wait SECONDS]

It sends what the bot sends for a typical section (section 3, a chat app, a 540-character
answer) once, without retries, and reports whether the endpoint is reachable, whether it
honours the structured output (one JSON object fitting the schema, every item once), how
long the call took and how many tokens it used, then advises on ``LLM_TIMEOUT_SECONDS`` and
``LLM_MAX_CONCURRENCY``. It waits up to ``--wait`` seconds (default: the larger of 300 and
``LLM_TIMEOUT_SECONDS``), so a slow local model is measured rather than cut off.
Exit 0 when the endpoint is usable as configured, 1 when it is not, 2 when no LLM is configured.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from typing import TextIO

from bot.config import Settings
from bot.scoring.llm import CheckResult, LlmScorer
from bot.scoring.offline import OfflineScorer
from framework import load

CHECK_SECTION = 3
CHECK_SCENARIO = "chat-app"
SAMPLE_ANSWER = (
    "Web is React and the phones get native apps in Swift and Kotlin. Clients call a REST API with cursor "
    "pagination and versioned paths; services talk gRPC inside. New messages arrive over a WebSocket, with "
    "long polling as a fallback. Access tokens are short-lived, with a refresh token in the Keychain or an "
    "HttpOnly cookie. The app keeps recent chats in SQLite and queues messages sent offline, syncing them when "
    "the connection is back. Push goes through APNs and FCM when the app is closed. A mobile squad and a web "
    "squad own the clients."
)
HEADROOM = 2.0
"""The timeout advised is this many times the measured call (a longer answer or a busy server takes longer)."""
DEFAULT_WAIT_SECONDS = 300.0


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="how long to wait for the reply (default: max(300, LLM_TIMEOUT_SECONDS))")


def advice(result: CheckResult, *, timeout: float, concurrency: int) -> list[str]:
    """What to set, from one measured call."""
    lines: list[str] = []
    if result.timed_out:
        lines.append(f"No reply within {result.seconds:.0f} s: a model this slow cannot score answers. Use a "
                     "smaller or faster model, or a GPU; for a local CPU model raise LLM_TIMEOUT_SECONDS to "
                     "120-300 and check again with a longer --wait.")
        return lines
    if not result.reachable:
        return ["Check OPENAI_BASE_URL (it ends in /v1 for most servers) and that the server is running."]
    if not result.structured and result.problem.startswith("the reply was cut off"):
        lines.append("The reply ran to the completion-token limit before its JSON closed (small models loop): "
                     "those answers would fall back to the offline scorer. Use a larger instruct model.")
    elif not result.structured:
        lines.append("The endpoint does not honour the JSON schema: answers will often fall back to the offline "
                     "scorer. Use a server that supports response_format json_schema (llama.cpp's llama-server, "
                     "vLLM, Ollama 0.5+, OpenAI) and an instruct model.")
    needed = max(10, math.ceil(result.seconds * HEADROOM / 5) * 5)
    if result.seconds >= timeout:
        lines.append(f"LLM_TIMEOUT_SECONDS={timeout:g} is shorter than this call ({result.seconds:.1f} s): every "
                     f"answer would time out and be scored offline. Set LLM_TIMEOUT_SECONDS={needed}.")
    elif result.seconds * HEADROOM > timeout:
        lines.append(f"LLM_TIMEOUT_SECONDS={timeout:g} leaves little room over this call ({result.seconds:.1f} s); "
                     f"longer answers will time out. Set LLM_TIMEOUT_SECONDS={needed}.")
    else:
        lines.append(f"LLM_TIMEOUT_SECONDS={timeout:g} is enough ({timeout / max(result.seconds, 0.001):.0f}x "
                     "this call).")
    per_hour = 3600 / max(result.seconds, 0.001)
    lines.append(f"At {result.seconds:.1f} s a section, one request slot scores about {per_hour:,.0f} sections an "
                 f"hour. LLM_MAX_CONCURRENCY={concurrency} requests run at once; more wait in the bot's queue.")
    if result.seconds > 10:
        lines.append("For a local server, set LLM_MAX_CONCURRENCY to its parallel slots (llama-server -np N, "
                     "Ollama OLLAMA_NUM_PARALLEL): requests beyond them only queue on the server, and a queued "
                     "request's wait counts against LLM_TIMEOUT_SECONDS.")
    return lines


def format_check(result: CheckResult, *, endpoint: str, model: str, timeout: float, concurrency: int) -> str:
    yes_no = {True: "yes", False: "no"}
    lines = [f"LLM check: {endpoint} (model {model})",
             f"  reachable                    {yes_no[result.reachable]}"]
    if result.reachable and not result.timed_out:
        lines.append(f"  structured output honoured   {yes_no[result.structured]}")
    lines.append(f"  time for a typical section   {result.seconds:.1f} s" + (" (no reply)" if result.timed_out else ""))
    if result.prompt_tokens or result.completion_tokens:
        lines.append(f"  tokens                       {result.prompt_tokens:,} prompt + "
                     f"{result.completion_tokens:,} completion")
    if result.problem:
        lines.append(f"  problem                      {result.problem}")
    lines += ["", "Advice:"]
    lines += [f"  - {line}" for line in advice(result, timeout=timeout, concurrency=concurrency)]
    return "\n".join(lines)


async def check(settings: Settings, *, wait: float) -> CheckResult:
    framework = load()
    section = framework.section(CHECK_SECTION)
    scenario = framework.scenario(CHECK_SCENARIO)
    scorer = LlmScorer.from_settings(settings, fallback=OfflineScorer())
    scorer.timeout_seconds = wait
    try:
        question = " ".join(o.replace("{scenario}", scenario.title) for o in section.openings)
        return await scorer.check(section=section, scenario=scenario, question=question, answer=SAMPLE_ANSWER)
    finally:
        await scorer.aclose()


def run_check(args: argparse.Namespace, settings: Settings, *, stdout: TextIO | None = None,
              stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if not settings.llm_configured:
        print("practice-bot: no LLM configured (set OPENAI_BASE_URL and/or OPENAI_API_KEY); nothing to check",
              file=stderr)
        return 2
    wait = args.wait if args.wait is not None else max(DEFAULT_WAIT_SECONDS, settings.llm_timeout_seconds)
    if wait <= 0:
        print("practice-bot: --wait must be more than 0 seconds", file=stderr)
        return 2
    result = asyncio.run(check(settings, wait=wait))
    endpoint = settings.openai_base_url or "https://api.openai.com/v1"
    print(format_check(result, endpoint=endpoint, model=settings.openai_model,
                       timeout=settings.llm_timeout_seconds, concurrency=settings.llm_max_concurrency), file=stdout)
    usable = result.reachable and result.structured and result.seconds < settings.llm_timeout_seconds
    return 0 if usable else 1
