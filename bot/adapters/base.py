"""What the runtime needs from every adapter."""

from __future__ import annotations

from typing import Protocol


class Adapter(Protocol):
    name: str

    async def start(self) -> None:
        """Connect and attach the adapter's Chat to the service; return once ready."""
        ...

    async def wait(self) -> None:
        """Return when the adapter stops by itself (end of input, connection closed for good)."""
        ...

    async def stop(self) -> None: ...

    def is_ready(self) -> bool:
        """Connected and serving (``/readyz``)."""
        ...
