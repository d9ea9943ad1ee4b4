"""Typed model of the framework content and its loader.

The content lives in YAML files under ``framework/content`` (one per section plus
``scenarios.yaml``); every model forbids unknown fields so a typo fails at load with
the file and the field named, instead of silently dropping content.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

log = logging.getLogger(__name__)

CONTENT_DIR = Path(__file__).parent / "content"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length=2, max_length=60)]
SourceRef = Annotated[str, Field(pattern=r"^(0|[1-9]\.[0-9]{1,2})$")]
Level = Literal["mid", "senior", "staff"]
LEVELS: tuple[Level, ...] = ("mid", "senior", "staff")
"""Interview levels, lowest first."""
DEFAULT_LEVEL: Level = "senior"


def level_rank(level: Level) -> int:
    return LEVELS.index(level)


class ContentError(Exception):
    """A content file is missing or malformed; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ChecklistItem(_Strict):
    """One thing a strong answer to a section covers."""

    id: Slug
    covers: str = Field(min_length=10, description="what a strong answer covers")
    probe: str = Field(min_length=10, description="the interviewer's probe question for this item")
    signals: tuple[str, ...] = Field(
        min_length=3, description="words or short phrases the offline scorer looks for (lower case)"
    )
    weight: float = Field(default=1.0, gt=0, le=3)
    source: SourceRef
    level: Level = Field(description="the lowest interview level at which this item is expected")

    def expected_at(self, level: Level) -> bool:
        """Expected of a candidate at ``level``; above it the item is a bonus."""
        return level_rank(self.level) <= level_rank(level)

    @field_validator("signals")
    @classmethod
    def _signals_lower_and_short(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(s.strip().lower() for s in value)
        for signal in cleaned:
            if not signal or len(signal.split()) > 4:
                raise ValueError(f"signal {signal!r} must be 1-4 words")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("signals must not repeat")
        return cleaned


class Subsection(_Strict):
    number: SourceRef
    title: str = Field(min_length=2)


class Section(_Strict):
    number: int = Field(ge=0, le=9)
    title: str = Field(min_length=2)
    budget_minutes: int | None = Field(
        default=None, ge=1, le=30, description="the seed's time budget; None means 'as time allows'"
    )
    default_budget_minutes: int = Field(
        default=5, ge=1, le=30, description="budget used for an optional section when time is shared"
    )
    goal: str = Field(min_length=10)
    openings: tuple[str, ...] = Field(min_length=1)
    subsections: tuple[Subsection, ...] = ()
    items: tuple[ChecklistItem, ...] = Field(min_length=1)

    @property
    def optional(self) -> bool:
        return self.budget_minutes is None

    def opening_question(self, scenario: Scenario) -> str:
        """What an interview asks when it opens this section for ``scenario``."""
        return " ".join(q.replace("{scenario}", scenario.title) for q in self.openings)

    @model_validator(mode="after")
    def _items_belong_here(self) -> Section:
        for item in self.items:
            head = item.source.split(".")[0]
            if int(head) != self.number:
                raise ValueError(f"item {item.id!r} has source {item.source!r} outside section {self.number}")
        for sub in self.subsections:
            if int(sub.number.split(".")[0]) != self.number:
                raise ValueError(f"subsection {sub.number!r} is outside section {self.number}")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique within a section")
        if not any(item.level == "mid" for item in self.items):
            raise ValueError("at least one item must be expected at level 'mid' (else a mid interview expects nothing)")
        return self


class Scale(_Strict):
    users: str = Field(min_length=1)
    requests_per_second: str = Field(min_length=1)
    data_size: str = Field(min_length=1)


class Scenario(_Strict):
    id: Slug
    title: str = Field(min_length=3)
    brief: str = Field(min_length=20)
    scale: Scale
    twists: dict[int, str] = Field(default_factory=dict, description="optional twist per section number")

    @field_validator("twists")
    @classmethod
    def _twist_sections_exist(cls, value: dict[int, str]) -> dict[int, str]:
        for number in value:
            if not 0 <= number <= 9:
                raise ValueError(f"twist for unknown section {number}")
        return value


class _SectionFile(_Strict):
    section: Section


class _ScenarioFile(_Strict):
    scenarios: tuple[Scenario, ...] = Field(min_length=1)


class Framework(_Strict):
    sections: tuple[Section, ...]
    scenarios: tuple[Scenario, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        numbers = [s.number for s in self.sections]
        if numbers != list(range(len(numbers))):
            raise ValueError(f"sections must be numbered 0..n in order, got {numbers}")
        item_ids = [i.id for s in self.sections for i in s.items]
        dupes = sorted({i for i in item_ids if item_ids.count(i) > 1})
        if dupes:
            raise ValueError(f"checklist item ids must be unique across sections: {dupes}")
        scenario_ids = [s.id for s in self.scenarios]
        if len(set(scenario_ids)) != len(scenario_ids):
            raise ValueError("scenario ids must be unique")
        return self

    def section(self, number: int) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise KeyError(number)

    def scenario(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)

    def item(self, item_id: str) -> ChecklistItem:
        for section in self.sections:
            for item in section.items:
                if item.id == item_id:
                    return item
        raise KeyError(item_id)

    def subsection_sources(self) -> set[str]:
        """Every seed subsection number plus "0" (section 0 has no numbered subsections)."""
        found = {"0"}
        for section in self.sections:
            found.update(sub.number for sub in section.subsections)
        return found

    def to_export(self) -> dict[str, Any]:
        return {
            "sections": [
                {
                    "number": s.number,
                    "title": s.title,
                    "budget_minutes": s.budget_minutes,
                    "optional": s.optional,
                    "default_budget_minutes": s.default_budget_minutes,
                    "goal": s.goal,
                    "openings": list(s.openings),
                    "subsections": [sub.model_dump() for sub in s.subsections],
                    "items": [item.model_dump() for item in s.items],
                }
                for s in self.sections
            ],
            "scenarios": [sc.model_dump() for sc in self.scenarios],
        }


_SECTION_FILE = re.compile(r"^section_(\d)\.yaml$")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: ~5x faster at start-up


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)
    except OSError as exc:
        raise ContentError(f"{path.name}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML: {exc}") from exc


def _explain(path: Path, exc: ValidationError) -> ContentError:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return ContentError(f"{path.name}: " + "; ".join(problems) + more)


def load_from(directory: Path) -> Framework:
    """Load and validate every content file in ``directory``."""
    section_paths = sorted(p for p in directory.glob("section_*.yaml") if _SECTION_FILE.match(p.name))
    if not section_paths:
        raise ContentError(f"{directory}: no section_N.yaml files")
    sections = []
    for path in section_paths:
        try:
            sections.append(_SectionFile.model_validate(_read_yaml(path)).section)
        except ValidationError as exc:
            raise _explain(path, exc) from exc
        expected = int(_SECTION_FILE.match(path.name).group(1))  # type: ignore[union-attr]
        if sections[-1].number != expected:
            raise ContentError(f"{path.name}: section.number is {sections[-1].number}, expected {expected}")
    scenario_path = directory / "scenarios.yaml"
    try:
        scenarios = _ScenarioFile.model_validate(_read_yaml(scenario_path)).scenarios
    except ValidationError as exc:
        raise _explain(scenario_path, exc) from exc
    try:
        return Framework(sections=tuple(sections), scenarios=scenarios)
    except ValidationError as exc:
        raise _explain(directory, exc) from exc


@functools.cache
def load() -> Framework:
    """The shipped framework, validated once per process."""
    return load_from(CONTENT_DIR)
