"""Clocks: the only source of "now". Production uses :class:`SystemClock`; tests and the demo
move a :class:`ManualClock`, so no test ever sleeps for a schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to.

    ``start`` must be aware; it is stored in UTC. Raises ValueError for a naive datetime.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (must not be negative); returns the new instant."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (aware, not before now); returns it in UTC."""
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        return self.advance(instant.astimezone(UTC) - self._now)
