"""Fakes for the core's ports, split as the ports are: ``chat`` (the recording Chat, used by most
tests: storage and scoring are real there) and one in-memory fake per capability's store ports
(``members``, ``progress``, ``outbox``) for unit tests of a use case on its own."""

from tests.fakes.chat import RecordingChat, Sent

__all__ = ["RecordingChat", "Sent"]
