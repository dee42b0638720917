"""The send policy's clockwork: when the next message may go, overall and to one chat.

Overall, Telegram allows about 30 messages per second per bot, across every process that
sends with its token. The budget is a row in the database (:class:`~bot.domain.ports.SendBudget`,
``send_budget``): each process reserves a few consecutive slots ``1/rate`` apart in one short
transaction, then sends at those instants. We chose that over one sender holding a lock
(a PostgreSQL advisory lock) because it works the same on SQLite and PostgreSQL through the
storage layer, needs no lock held while sending, and lets every webhook worker send its own
direct replies within the shared budget; a process that dies loses at most the few slots it
reserved. Slots come 29 per second; a slot used more than 30 ms late is dropped (a process
that fell behind reserves fresh slots rather than catching up beside the others' on-time
sends), and no process sends more than 29 in any one-second window, one below Telegram's 30.
With ``PAID_BROADCAST`` bulk messages take slots from a second budget at 1,000 per second.

Per chat, Telegram allows about one message per second: the pacer remembers when each chat may
next receive one, in memory. With several processes on one PostgreSQL database that is not
enough (a direct reply from one worker and a queued message from another could reach a chat
within a second), so there every send first takes the chat's turn in the database
(:class:`~bot.domain.ports.ChatPace`, ``chat_pace``): one compare-and-set upsert, the turn held
for :data:`SHARED_HOLD` while the message goes, then moved to *accepted + 1 s* once Telegram
accepted it. A turn another process holds makes a reply wait (or queue) and hands a queued
message back for when the chat frees, as the memory does. We chose a row per chat over
routing every send of a chat through one process (no owner to agree on, nothing to hand over
when a worker dies) and over a lock (nothing held while sending). On SQLite only one process
can run (``bot/storage/lock.py``): the memory suffices and no statement is added. The outbox
also keeps a chat's queued messages apart (``SqlOutboxQueue.done``), so a sender rarely claims
a message whose chat is taken.

A ``RetryAfter`` holds only its chat for what Telegram asked; 429s in two or more chats within
a second look like the overall limit, so every send pauses for that time only. Network
failures in a row pause every send with a backoff (1, 2, 4 … 300 seconds; reset by the first
success), so an outage is probed, not hammered; one lone timeout holds only its chat.

Waiting goes through the clock: real sleeps on the system clock; on the tests' manual clock the
pacer moves the clock forward itself, as time would pass while sending, so tests stay
deterministic and never sleep.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timedelta

from bot.domain.ports import ChatPace, SendBudget
from scheduler.clock import Clock, ManualClock

logger = logging.getLogger(__name__)

#: Messages per second overall (Telegram: about 30), paced a little below the limit.
FREE_RATE = 29.0
#: Messages per second for paid broadcasts (Telegram: up to 1,000, paid in Stars).
PAID_RATE = 1000.0
#: Telegram: about one message per second to one chat.
CHAT_INTERVAL = timedelta(seconds=1)
#: How long a chat's turn taken in the database (several processes) is held while its message
#: goes, until the accepted send moves it to a second after acceptance. The next message, from
#: any process, therefore arrives a second after this one unless this send took longer than
#: SHARED_HOLD - CHAT_INTERVAL to reach Telegram (the hold runs out first).
SHARED_HOLD = timedelta(seconds=2)
#: Slots reserved in one go by the outbox sender (about 0.2 s of sending).
SLOT_BATCH = 6
#: A reserved slot not used within this is dropped. Every process's slots interleave in one
#: sequence 1/29 s apart, so a slot used late crowds the next second beside the other
#: processes' on-time ones: with at most 30 ms of lateness, no one-second window holds more
#: than 29 × 1.03 + 1 < 31 sends, whichever process sent them (a process that fell further
#: behind reserves fresh slots instead of catching up).
STALE_SLOT = timedelta(milliseconds=30)
#: Telegram's limits are per second: this process never sends more than the cap in any
#: window this long (one below the limit, a margin for the instant Telegram counts).
WINDOW = timedelta(seconds=1)
WINDOW_CAP = {"free": 29, "paid": 999}
_TICK = timedelta(milliseconds=1)
#: The longest pause after network failures.
MAX_BACKOFF = timedelta(minutes=5)


def backoff(failures: int) -> timedelta:
    """The wait after ``failures`` consecutive failed attempts (≥ 1): 1, 2, 4 … seconds,
    capped at :data:`MAX_BACKOFF` (5 minutes)."""
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(max(failures - 1, 0), 16)))


async def wait_until(clock: Clock, instant: datetime) -> None:
    """Wait until ``instant`` (aware UTC) on ``clock``: a real sleep, or, on a
    :class:`ManualClock`, moving it there (time passes while sending)."""
    if isinstance(clock, ManualClock):
        if instant > clock.now():
            clock.set(instant)
        await asyncio.sleep(0)
        return
    delay = (instant - clock.now()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


class Pacer:
    """When the next message may go. ``budget`` None turns pacing off entirely (the test
    sandbox's default: an emulator without limits and a clock that never moves by itself).
    ``chats``: each chat's turn shared through the database (several processes on
    PostgreSQL); None keeps it in this process's memory only (SQLite: one process)."""

    def __init__(
        self,
        budget: SendBudget | None,
        clock: Clock,
        *,
        chats: ChatPace | None = None,
        paid: bool = False,
        free_rate: float = FREE_RATE,
        paid_rate: float = PAID_RATE,
    ) -> None:
        self._budget = budget
        self._clock = clock
        self.paid = paid
        self._intervals = {
            "free": timedelta(seconds=1 / free_rate),
            "paid": timedelta(seconds=1 / paid_rate),
        }
        self._slots: dict[str, deque[datetime]] = {"free": deque(), "paid": deque()}
        self._window: dict[str, deque[datetime]] = {"free": deque(), "paid": deque()}
        self._chat_free: dict[int, datetime] = {}
        self._chats = chats
        #: Turns this process holds in the database: chat -> the hold's end it wrote.
        self._held: dict[int, datetime] = {}
        #: Holds to move (chat, held, free), written by :meth:`settle`.
        self._settling: list[tuple[int, datetime, datetime]] = []
        self._paused_until: datetime | None = None
        self._failures = 0
        self._recent_429: dict[int, datetime] = {}

    @property
    def enabled(self) -> bool:
        """Whether sends are paced at all."""
        return self._budget is not None

    def now(self) -> datetime:
        """The clock's now (aware UTC)."""
        return self._clock.now()

    async def slot(self, *, bulk: bool = False, batch: int = 1) -> None:
        """Wait for this process's next overall sending slot. ``bulk`` with ``PAID_BROADCAST``
        uses the paid budget; ``batch``: how many slots to reserve when none is left (the
        outbox sender reserves a few ahead, a direct reply one, and takes the sender's next
        reserved slot when there is one: it goes first)."""
        if self._budget is None:
            return
        name = "paid" if bulk and self.paid else "free"
        interval = self._intervals[name]
        slots = self._slots[name]
        while True:
            now = self.now()
            while slots and slots[0] < now - STALE_SLOT:
                slots.popleft()  # its instant is past: lost
            if not slots:
                first = await self._budget.reserve(name, batch, interval, now)
                slots.extend(first + interval * i for i in range(batch))
            mine = slots.popleft()
            await wait_until(self._clock, mine)
            # A slot at most STALE_SLOT late is used (a sleep that overslept loses it too).
            if self.now() - mine <= STALE_SLOT:
                break
        # Never past WINDOW_CAP sends in any second by this process (counted when each wait
        # really ended), one below Telegram's 30.
        window = self._window[name]
        cap = WINDOW_CAP[name]
        while True:
            now = self.now()
            while window and window[0] <= now - WINDOW:
                window.popleft()
            if len(window) < cap:
                window.append(now)
                return
            await wait_until(self._clock, window[0] + WINDOW + _TICK)

    def paused_until(self) -> datetime | None:
        """Until when every outbox send waits (after network failures or an overall 429)."""
        if self._paused_until is not None and self._paused_until <= self.now():
            self._paused_until = None
        return self._paused_until

    def chat_free_at(self, chat_id: int) -> datetime | None:
        """When ``chat_id`` may next get a message, if that is still to come."""
        free = self._chat_free.get(chat_id)
        if free is None or free <= self.now():
            self._chat_free.pop(chat_id, None)
            return None
        return free

    async def take(self, chat_id: int) -> datetime | None:
        """Take ``chat_id``'s turn for a message about to go now: None when taken (nothing
        else goes there for a second), else the instant (aware UTC) the chat frees. Without
        pacing always None. With shared turns (``chats``) the database is asked too, after
        this process's memory; a turn another process holds is remembered here until it ends.
        Raises the storage's errors when the database is unreachable."""
        free = self.chat_free_at(chat_id)
        if free is not None:
            return free
        if self._budget is None:
            return None
        if self._chats is not None:
            now = self.now()
            held = now + SHARED_HOLD
            busy = await self._chats.reserve(chat_id, now, held)
            if busy is not None:
                self._chat_free[chat_id] = busy
                return busy
            self._held[chat_id] = held
            if len(self._held) > 10_000:
                self._held = {c: t for c, t in self._held.items() if t > now}
        self.taking(chat_id)
        return None

    async def accepted(self, chat_id: int) -> datetime | None:
        """:meth:`sent`, and with shared turns the chat's turn in the database ends a second
        after now (:meth:`settle`, which never raises). Returns when the chat is free again
        (None without pacing)."""
        free = self.sent(chat_id)
        await self.settle()
        return free

    async def settle(self) -> None:
        """Write the moved ends of this process's turns in the database (after an accepted
        send, a 429), if any; nothing without shared turns. Never raises: it runs after
        Telegram accepted a message, which must still be recorded as sent; when the database
        fails here, the turns end with their holds (:data:`SHARED_HOLD`), logged."""
        if self._chats is None or not self._settling:
            return
        holds, self._settling = self._settling, []
        try:
            await self._chats.settle(holds)
        except Exception as exc:  # the database went away: the holds run out by themselves
            logger.warning("chat turns not settled: %s", type(exc).__name__)

    def _settle_later(self, chat_id: int, free: datetime) -> None:
        """The turn this process holds on ``chat_id`` (if any) is to end at ``free``."""
        held = self._held.pop(chat_id, None)
        if held is not None and self._chats is not None:
            self._settling.append((chat_id, held, free))

    def taking(self, chat_id: int) -> None:
        """A message to ``chat_id`` is about to go: nothing else goes there for a second (set
        before sending, so that a reply and the outbox never both take the chat)."""
        if self._budget is not None:
            self._chat_free[chat_id] = self.now() + CHAT_INTERVAL

    def sent(self, chat_id: int) -> datetime | None:
        """Telegram accepted a message to ``chat_id`` now: the chat waits a second, network
        trouble is over. Returns when the chat is free again (None without pacing)."""
        self._failures = 0
        if self._budget is None:
            return None
        free = self.now() + CHAT_INTERVAL
        self._chat_free[chat_id] = free
        self._settle_later(chat_id, free)
        if len(self._chat_free) > 10_000:
            now = self.now()
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}
        return free

    def retry_after(self, chat_id: int, wait: timedelta) -> bool:
        """Telegram answered 429 with ``wait`` for a message to ``chat_id``: that chat waits.
        Returns True when 429s in two chats within a second suggest the overall limit, and
        every send pauses for ``wait`` as well."""
        now = self.now()
        self._chat_free[chat_id] = max(self._chat_free.get(chat_id, now), now + wait)
        self._settle_later(chat_id, self._chat_free[chat_id])
        self._recent_429 = {
            c: t for c, t in self._recent_429.items() if now - t < timedelta(seconds=1)
        }
        self._recent_429[chat_id] = now
        if len(self._recent_429) < 2:
            return False
        self._pause(now + wait)
        return True

    def network_failed(self) -> timedelta:
        """A send failed for the network (or a 5xx). From the second failure in a row (no
        success between) every send pauses, longer after each; one lone timeout holds only
        its own chat. Returns the pause (at least a second, for a reply to wait)."""
        self._failures += 1
        pause = backoff(max(self._failures - 1, 1))
        if self._failures >= 2:
            self._pause(self.now() + pause)
        return pause

    def _pause(self, until: datetime) -> None:
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until
