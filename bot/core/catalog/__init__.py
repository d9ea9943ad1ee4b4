"""The catalog capability: help and the framework as content to browse.

Owns ``/practice help``, ``sections``, ``section <n>`` and ``scenarios``: read-only views of
the framework; it needs no store.
"""

from bot.core.catalog._catalog import Catalog

__all__ = ["Catalog"]
