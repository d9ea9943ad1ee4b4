"""``practice-bot stats``: what scoring has cost, from the token counts stored with each score."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.records import UsageTotals


def _n(value: float) -> str:
    return f"{round(value):,}"


def _section_titles() -> dict[int, str]:
    from framework import load

    return {section.number: section.title for section in load().sections}


TIMEOUT_REASON = "timed out"
KEEPS_TIMING_OUT_SHARE = 0.25
"""Timeouts in at least this share of LLM attempts (and at least 3) are called out as a problem."""


def _fallbacks(totals: UsageTotals) -> list[str]:
    """Fallbacks by reason, and a plain warning when LLM calls keep timing out."""
    if not totals.fallbacks:
        return []
    attempts = totals.llm_sections + sum(totals.fallbacks.values())
    lines = [f"  fell back offline   {_n(sum(totals.fallbacks.values()))} of {_n(attempts)} LLM attempts:"]
    for reason, count in sorted(totals.fallbacks.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {_n(count):>6}  {reason}")
    timeouts = totals.fallbacks.get(TIMEOUT_REASON, 0)
    if timeouts >= 3 and timeouts >= KEEPS_TIMING_OUT_SHARE * attempts:
        lines.append(f"  LLM calls keep timing out ({_n(timeouts)} of {_n(attempts)}): those answers were scored "
                     "offline. Run `practice-bot llm check` for the time a call takes and the LLM_TIMEOUT_SECONDS "
                     "and LLM_MAX_CONCURRENCY to set.")
    return lines


def format_stats(totals: UsageTotals, *, section_titles: Mapping[int, str] | None = None) -> str:
    """A plain-text report for admins: totals, averages, per section, and per interview.

    A full interview scores each of its sections once, so its cost is the sum of the
    per-section averages (sections never scored by the LLM are left out of that sum).
    """
    titles = dict(section_titles) if section_titles is not None else _section_titles()
    offline = totals.scored_sections - totals.llm_sections
    lines = [
        "Scoring usage",
        f"  sections scored     {_n(totals.scored_sections)} (LLM {_n(totals.llm_sections)}, offline {_n(offline)})",
    ]
    if totals.llm_sections == 0 and totals.prompt_tokens == 0 and not totals.fallbacks:
        lines.append("  no LLM tokens used yet (set OPENAI_BASE_URL or OPENAI_API_KEY to score answers with an LLM)")
        return "\n".join(lines)
    lines += _fallbacks(totals)
    per_llm = max(1, totals.llm_sections)
    lines += [
        f"  prompt tokens       {_n(totals.prompt_tokens)} (avg {_n(totals.prompt_tokens / per_llm)} per LLM section)",
        f"  completion tokens   {_n(totals.completion_tokens)} "
        f"(avg {_n(totals.completion_tokens / per_llm)} per LLM section)",
        f"  total tokens        {_n(totals.prompt_tokens + totals.completion_tokens)}",
    ]
    rows = sorted((s, counts) for s, counts in totals.per_section.items() if counts[0] > 0)
    if rows:
        interview_prompt = sum(prompt / count for _, (count, prompt, _c) in rows)
        interview_completion = sum(completion / count for _, (count, _p, completion) in rows)
        lines.append(
            f"  per interview       ~{_n(interview_prompt)} prompt + {_n(interview_completion)} completion tokens "
            f"(sum of per-section averages over {len(rows)} section{'s' if len(rows) != 1 else ''})"
        )
        width = max(len(f"{s} {titles.get(s, '')}".rstrip()) for s, _ in rows)
        width = max(width, len("section"))
        lines += ["", f"  {'section':<{width}}  {'scored':>6}  {'prompt':>10}  {'completion':>10}  {'avg prompt':>10}"]
        for number, (count, prompt, completion) in rows:
            name = f"{number} {titles.get(number, '')}".rstrip()
            lines.append(f"  {name:<{width}}  {_n(count):>6}  {_n(prompt):>10}  {_n(completion):>10}  "
                         f"{_n(prompt / count):>10}")
    return "\n".join(lines)
