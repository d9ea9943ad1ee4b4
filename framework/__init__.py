"""The system-design interview framework as validated data."""

from framework.model import (
    ChecklistItem,
    ContentError,
    Framework,
    Scale,
    Scenario,
    Section,
    Subsection,
    load,
)

__all__ = [
    "ChecklistItem",
    "ContentError",
    "Framework",
    "Scale",
    "Scenario",
    "Section",
    "Subsection",
    "load",
]
