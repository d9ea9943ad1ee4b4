"""The system-design interview framework as validated data."""

from framework.model import (
    DEFAULT_LEVEL,
    LEVELS,
    ChecklistItem,
    ContentError,
    Framework,
    Level,
    Scale,
    Scenario,
    Section,
    Subsection,
    level_rank,
    load,
)

__all__ = [
    "DEFAULT_LEVEL",
    "LEVELS",
    "ChecklistItem",
    "ContentError",
    "Framework",
    "Level",
    "Scale",
    "Scenario",
    "Section",
    "Subsection",
    "level_rank",
    "load",
]
