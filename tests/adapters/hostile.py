"""What every fuzz test shares: bounded, derandomised hypothesis settings, hostile strategies
(text from every unicode category, lone surrogates included; JSON of any shape) and a log handler
that keeps every record of every thread, so a test can assert that no traceback was written."""

from __future__ import annotations

import logging
import threading
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz(examples: int) -> Any:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


# ------------------------------------------------------------------ strategies
every_char = st.characters(exclude_categories=())  # every category, lone surrogates included
text = st.text(every_char, max_size=120)
ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
json_value = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(text, inner, max_size=4)), max_leaves=12)


MISSING = object()
"""A field left out of a payload."""


def maybe(good: Any, bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The well-formed value most of the time, a hostile one otherwise (or the field left out)."""
    return st.one_of(st.just(good), st.just(good), bad, st.just(MISSING))



def present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not MISSING}


class KeptRecords(logging.Handler):
    """Every record at WARNING and above, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def tracebacks(self) -> list[str]:
        with self._lock:
            return [f"{r.name}: {r.getMessage()}" for r in self.records
                    if r.exc_info or r.exc_text or "Traceback" in r.getMessage()]

    def messages(self) -> list[str]:
        with self._lock:
            return [r.getMessage() for r in self.records]


