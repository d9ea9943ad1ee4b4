"""Prompt tokens the LLM scorer sends, per section and per 45-minute interview.

    .venv/bin/python bench/llm_prompt_tokens.py [--minutes 45] [--words-per-minute 40]

Builds the exact messages and JSON schema ``bot.scoring.llm`` sends (no endpoint needed)
for three answer sizes per section:

* typical: what a candidate types in the phase's budget at ``--words-per-minute`` (chat
  typing while thinking; 40 by default), made of English prose;
* long: three times that;
* worst: the longest answer the scorer sends for that section
  (``prompt.answer_char_budget``; longer ones go straight to the offline scorer).

Token counts are ESTIMATES: characters / 4, the usual rule of thumb for English with
OpenAI's BPE vocabularies, and characters / 3 for the JSON schema, which tokenises denser
(``prompt.estimate_request_tokens``). tiktoken installs from PyPI but downloads its BPE files
at run time, which cannot work offline, so it is not used. The target is <= 4,000 prompt
tokens per section; the scorer enforces it by that same estimate.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.interviews.rules import plan_phases
from bot.scoring import prompt
from framework import Scenario, Section, load

TARGET = prompt.MAX_PROMPT_TOKENS


def prose(section: Section, words: int) -> str:
    """English of about ``words`` words, from the section's own checklist text."""
    source = " ".join(f"{item.covers} {item.probe}" for item in section.items).split()
    return " ".join(itertools.islice(itertools.cycle(source), words))


def request_tokens(section: Section, scenario: Scenario, question: str, answer: str) -> tuple[int, int]:
    """(estimated prompt tokens, of which the stable system prefix) for one request."""
    messages = prompt.messages(section=section, scenario=scenario, question=question, answer=answer,
                               boundary=prompt.new_boundary())
    total = prompt.estimate_request_tokens(messages, prompt.response_format(section))
    return total, prompt.estimate_tokens(messages[0]["content"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=45)
    parser.add_argument("--words-per-minute", type=float, default=40)
    args = parser.parse_args()

    framework = load()
    # the scenario with the longest brief and twists: the largest user message
    scenario = max(framework.scenarios, key=lambda s: len(s.brief) + sum(len(t) for t in s.twists.values()))
    phases = plan_phases(framework, args.minutes)
    budget = {phase.section: phase.budget_seconds for phase in phases}
    print("Prompt tokens are estimates: messages at chars/4, JSON schema at chars/3 (no tokenizer offline).")
    print(f"Typical answer: phase minutes x {args.words_per_minute:g} words; long = 3x; worst = the longest "
          f"answer the scorer sends. Scenario: {scenario.id}.\n")
    header = (f"{'section':<44} {'items':>5} {'prefix':>6} {'typical':>7} {'long':>6} {'worst':>6} "
              f"{'max answer':>10}")
    print(header)
    print("-" * len(header))
    totals = {"typical": 0, "long": 0, "worst": 0}
    largest = 0
    for section in framework.sections:
        question = " ".join(q.replace("{scenario}", scenario.title) for q in section.openings)
        minutes = budget.get(section.number, section.default_budget_minutes * 60) / 60
        words = max(20, round(minutes * args.words_per_minute))
        cap = prompt.answer_char_budget(section=section, scenario=scenario, question=question)
        answers = {"typical": prose(section, words), "long": prose(section, words * 3),
                   "worst": ("x" * 7 + " ") * (cap // 8)}
        counts = {name: request_tokens(section, scenario, question, text)[0] for name, text in answers.items()}
        prefix = request_tokens(section, scenario, question, "")[1]
        largest = max(largest, counts["worst"])
        if section.number in budget:
            for name in totals:
                totals[name] += counts[name]
        title = f"{section.number} {section.title}"[:44]
        print(f"{title:<44} {len(section.items):>5} {prefix:>6,} {counts['typical']:>7,} {counts['long']:>6,} "
              f"{counts['worst']:>6,} {cap:>9,}c")
    planned = ", ".join(f"{p.section}:{p.budget_seconds / 60:g}m" for p in phases)
    print(f"\n{args.minutes}-minute interview ({len(phases)} phases: {planned}); one request per phase")
    print(f"  prompt tokens, typical answers:      {totals['typical']:,}")
    print(f"  prompt tokens, long answers:         {totals['long']:,}")
    print(f"  prompt tokens, every answer at max:  {totals['worst']:,}")
    verdict = "within" if largest <= TARGET else "OVER"
    print(f"\nLargest single request: {largest:,} tokens ({verdict} the {TARGET:,} target)")
    return 0 if largest <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
