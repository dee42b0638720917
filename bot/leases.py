"""The leases this process holds, so that a graceful stop can hand them back.

Due work and the outbox are claimed with a lease under a random claim token (``scheduler.due``,
``bot.storage.queues``); a process that dies leaves its rows to be taken again when the lease
ends (a minute). A process that stops on SIGTERM can do better: :class:`ClaimRecorder` wraps a
queue, notes the claim token of every item its ``claim``/``claim_due`` returns, and at the
stop the tokens of the last :data:`REMEMBER` go to ``SqlOps.release_claims``, which frees
whatever rows they still hold. A token whose rows are all finished frees nothing, so
remembering a few too many is harmless. Imports nothing of ours.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

#: Tokens are remembered this long (seconds): longer than any lease (60 s), so every live one
#: is among them.
REMEMBER = 600.0

_CLAIMS = frozenset({"claim", "claim_due"})


class ClaimLedger:
    """Claim tokens taken by this process recently (``monotonic``: seconds, for tests)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._seen: deque[tuple[float, str]] = deque()
        self._tokens: set[str] = set()

    def note(self, token: str) -> None:
        """Remember ``token`` (a claim this process just made)."""
        now = self._monotonic()
        if token not in self._tokens:
            self._seen.append((now, token))
            self._tokens.add(token)
        while self._seen and self._seen[0][0] < now - REMEMBER:
            self._tokens.discard(self._seen.popleft()[1])

    def tokens(self) -> frozenset[str]:
        """The tokens remembered now."""
        return frozenset(self._tokens)


class ClaimRecorder:
    """A transparent wrapper around a leased queue (the due-work store, the outbox) that notes
    in ``ledger`` the ``claim_token`` of each item its ``claim`` or ``claim_due`` returns;
    every other attribute is the wrapped queue's own."""

    def __init__(self, queue: Any, ledger: ClaimLedger) -> None:
        self._queue = queue
        self._ledger = ledger

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._queue, name)
        if name not in _CLAIMS:
            return found

        async def claim(*args: Any, **kwargs: Any) -> Any:
            items = await found(*args, **kwargs)
            for item in items:
                token = getattr(item, "claim_token", None)
                if isinstance(token, str):
                    self._ledger.note(token)
            return items

        return claim
