"""``/healthz``: is this process fit to take traffic? Two checks, each named in the answer.

* ``database``: a trivial query answers (``SELECT 1``).
* ``due_work``: the oldest due work nobody holds has waited less than ``HEALTH_MAX_LAG_SECONDS``
  (default 300; the tick runs every few seconds, so a longer wait means no process is ticking
  or the ticks cannot keep up).

The answer names the checks and the lag in seconds, nothing else (no URL, no error text that
could carry a secret). Imports nothing of ours beyond the metrics' readings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.metrics import Readings


class OpsReads(Protocol):
    """What the checks read (``bot.storage.ops.SqlOps`` implements it)."""

    async def ping(self) -> None:
        """Raise when the database does not answer."""
        ...

    async def due_lag(self, now: datetime) -> float:
        """Seconds the oldest ready due work has waited at ``now`` (aware UTC)."""
        ...

    async def open_rounds(self) -> int:
        """Rounds open now."""
        ...

    async def outbox_depth(self) -> int:
        """Messages waiting in the outbox."""
        ...


@dataclass(frozen=True)
class Health:
    """The outcome of the checks: ``ok`` when all passed; ``checks`` maps each check's name to
    ``"ok"`` or what failed; ``due_lag_seconds`` when it could be read."""

    ok: bool
    checks: dict[str, str] = field(default_factory=dict)
    due_lag_seconds: float | None = None

    def as_json(self) -> dict[str, object]:
        """The small JSON body ``/healthz`` answers with."""
        body: dict[str, object] = {"status": "ok" if self.ok else "failing", **self.checks}
        if self.due_lag_seconds is not None:
            body["due_lag_seconds"] = round(self.due_lag_seconds, 1)
        return body


class Checks:
    """Runs the health checks and reads the metrics' figures over ``ops``.

    ``now`` gives the current instant (aware UTC); ``max_lag_seconds`` bounds the due-work
    lag a healthy deployment shows.
    """

    def __init__(self, ops: OpsReads, now: Callable[[], datetime], max_lag_seconds: float) -> None:
        self._ops = ops
        self._now = now
        self._max_lag = max_lag_seconds

    async def health(self) -> Health:
        """Run both checks; never raises (a failing database is a failed check)."""
        try:
            await self._ops.ping()
            lag = await self._ops.due_lag(self._now())
        except Exception:  # any driver or connection error: the database does not answer
            return Health(ok=False, checks={"database": "unreachable", "due_work": "unknown"})
        behind = lag > self._max_lag
        checks = {"database": "ok", "due_work": "behind" if behind else "ok"}
        return Health(ok=not behind, checks=checks, due_lag_seconds=lag)

    async def readings(self) -> Readings:
        """The database figures for ``/metrics``; raises when the database does not answer."""
        return Readings(
            due_lag_seconds=await self._ops.due_lag(self._now()),
            open_rounds=await self._ops.open_rounds(),
            outbox_depth=await self._ops.outbox_depth(),
        )
