"""Ports for users, pairs and invites (see :mod:`bot.domain.ports`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.domain.model import (
    Anniversary,
    Invite,
    InviteKind,
    InviteStatus,
    Lane,
    Pair,
    Retention,
    Trip,
    User,
)
from bot.domain.subjects import Awaiting
from content.schema import Dimension
from scheduler.cadence import Frequency


class Users(Protocol):
    """Telegram users who started the bot."""

    async def get(self, user_id: int) -> User | None:
        """The user, or None when unknown (never started, or deleted their data)."""
        ...

    async def get_many(self, user_ids: Collection[int]) -> dict[int, User]:
        """The known users among ``user_ids``, by id."""
        ...

    async def touch(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        language_code: str | None,
        now: datetime,
    ) -> tuple[User | None, User]:
        """Create the user, or refresh the name and language Telegram reports; returns the
        record before (None when new) and after. An empty first name keeps the stored one
        (``Partner`` for a new user); names are cut to 128 characters."""
        ...

    async def set_quiet_hours(self, user_id: int, stored: str | None, now: datetime) -> None:
        """Store the user's quiet hours as :meth:`scheduler.cadence.QuietHours.stored` writes
        them, ``"off"``, or None for the default (issue 12)."""
        ...

    async def set_language(self, user_id: int, language: str | None, now: datetime) -> None:
        """Store the language chosen with /language (a shipped locale), or None to follow
        Telegram's own setting again (issue 12)."""
        ...

    async def set_timezone(self, user_id: int, zone: str, now: datetime) -> None:
        """Store the user's IANA timezone."""
        ...

    async def set_awaiting(self, user_id: int, awaiting: Awaiting | None) -> None:
        """What the user's next text message answers (None: nothing)."""
        ...

    async def stop_awaiting(self, user_id: int, awaiting: Awaiting) -> None:
        """Stop waiting for ``awaiting``, only if that is still what the next text answers."""
        ...

    async def stop_awaiting_round(self, round_id: int, user_ids: Collection[int]) -> None:
        """Stop waiting for any typed answer to round ``round_id`` from these users."""
        ...

    async def set_pending_invite(self, user_id: int, invite_id: int | None) -> None:
        """The invite the user opened and may accept (None: none)."""
        ...

    async def set_pending_cohort(self, user_id: int, cohort_id: int | None) -> None:
        """The cohort whose consent screen the user was shown (None: none)."""
        ...

    async def link_pair(self, user_ids: Collection[int], pair_id: int, now: datetime) -> bool:
        """Decide-once: link each of ``user_ids`` that is still unpaired to ``pair_id``;
        True only when every one of them was. On False some may have been linked: the caller
        must roll back (raise :class:`~bot.domain.errors.Refused`)."""
        ...

    async def unlink_pair(self, pair_id: int, now: datetime) -> None:
        """Users of ``pair_id`` are no longer paired and await nothing."""
        ...

    async def deactivate(self, user_id: int, now: datetime) -> bool:
        """Decide-once: mark an active user inactive (they blocked the bot) from ``now``,
        awaiting nothing. True for the one caller that changed it."""
        ...

    async def reactivate(self, user_id: int, now: datetime) -> None:
        """The user is reachable again."""
        ...

    async def delete(self, user_id: int) -> None:
        """Delete the user's row (their other data is deleted by the other ports)."""
        ...


class Pairs(Protocol):
    """Pairs and their schedules."""

    async def get(self, pair_id: int) -> Pair | None:
        """The pair (active or ended), or None."""
        ...

    async def get_many(self, pair_ids: Collection[int]) -> dict[int, Pair]:
        """:meth:`get` of several pairs in one read, by id (unknown ids are missing)."""
        ...

    async def create(
        self,
        *,
        user_a: int,
        user_b: int,
        timezone: str,
        frequency: Frequency,
        time_of_day: time,
        now: datetime,
    ) -> Pair:
        """A new active pair (``user_a`` the inviter) on this schedule."""
        ...

    async def set_schedule(
        self,
        pair_id: int,
        *,
        frequency: Frequency | None = None,
        weekday: int | None = None,
        time_of_day: time | None = None,
        timezone: str | None = None,
        paused: bool | None = None,
        paused_by: int | None = None,
    ) -> Pair:
        """Change the given parts of the schedule (None keeps a part); returns the pair. A
        pause records ``paused_by``; resuming clears it."""
        ...

    async def set_weekly(self, pair_id: int, weekday: int | None, at: time | None) -> Pair:
        """The weekly deeper round's weekday and time (None, None: no weekly round)."""
        ...

    async def set_focus(self, pair_id: int, focus: frozenset[Dimension]) -> None:
        """The dimensions weighed more in the choice of questions."""
        ...

    async def set_packs(
        self, pair_id: int, before: tuple[str, ...], after: tuple[str, ...]
    ) -> bool:
        """Decide-once: the pair's active life-stage packs (ids, in the order turned on)
        become ``after`` if they are still ``before``. True for the caller that changed them;
        False when someone changed them first (the caller reads again and decides anew)."""
        ...

    async def set_anniversary(self, pair_id: int, anniversary: Anniversary | None) -> None:
        """The pair's anniversary (None: forget it)."""
        ...

    async def mention_anniversary(self, pair_id: int) -> bool:
        """Decide-once: the bot mentions ``/anniversary`` to the pair. True for the one
        caller that may (once in a pair's life); False ever after."""
        ...

    async def set_trip(self, pair_id: int, trip: Trip | None) -> None:
        """The pair's trip (None: none; a new one replaces the old)."""
        ...

    async def set_deeper(self, pair_id: int, user_id: int, yes: bool) -> None:
        """The member ``user_id``'s own yes or no to sensitive questions (a non-member changes
        nothing)."""
        ...

    async def mark_slot(self, pair_id: int, lane: Lane, day: date) -> None:
        """Record the local date of the lane's last scheduled round."""
        ...

    async def mark_slots(self, lane: Lane, days: Mapping[int, date]) -> None:
        """:meth:`mark_slot` for several pairs (pair id -> local date) in one write."""
        ...

    async def park_followup(self, pair_id: int, offer_id: int) -> None:
        """A follow-up waits for the pair's next daily-lane round."""
        ...

    async def take_followup(self, pair_id: int, offer_id: int) -> None:
        """The parked follow-up ``offer_id`` is no longer waiting (if it was)."""
        ...

    async def end(self, pair_id: int, now: datetime) -> bool:
        """Decide-once: an active pair ends at ``now``. True for the caller that ended it."""
        ...

    async def reopen(
        self,
        pair_id: int,
        *,
        user_a: int,
        user_b: int,
        timezone: str,
        frequency: Frequency,
        time_of_day: time,
        now: datetime,
    ) -> Pair | None:
        """Decide-once: an ended pair becomes active again at ``now`` (the same two people
        paired again; ``user_a`` the new inviter), on a fresh schedule like a new pair's
        (not paused, no weekly round, no parked follow-up); its rounds, focus and retention
        stay. The pair for the one caller that reopened it; None for every other (or when it
        was not ended)."""
        ...

    async def between(self, user_id: int, other_id: int) -> Pair | None:
        """The most recent pair (active or ended) of exactly these two users, in either
        order, or None."""
        ...

    async def of_member(self, user_id: int) -> list[Pair]:
        """Every pair (active or ended) the user is a member of, newest first."""
        ...

    async def set_retention(self, pair_id: int, retention: Retention) -> Pair:
        """The pair keeps closed rounds for ``retention`` from now on; any waiting proposal is
        dropped. Returns the pair."""
        ...

    async def propose_retention(self, pair_id: int, retention: Retention, by: int) -> Pair:
        """Partner ``by`` suggests keeping rounds for ``retention`` (replacing any earlier
        proposal); nothing changes until the other accepts. Returns the pair."""
        ...

    async def settle_proposal(
        self, pair_id: int, retention: Retention, proposer: int, accept: bool
    ) -> bool:
        """Decide-once: the proposal of ``retention`` by ``proposer``, if it is still the one
        waiting, is accepted (the pair's retention becomes it) or declined; either way it is
        no longer waiting. True for the one caller that settled it."""
        ...

    async def propose_schedule(self, pair_id: int, change: str, by: int) -> int:
        """Partner ``by`` proposes the schedule change ``change`` (encoded by the domain),
        replacing any waiting one; nothing changes until the other accepts. Returns the new
        proposal's number (one more than the last: older buttons no longer match it)."""
        ...

    async def drop_schedule_proposal(self, pair_id: int) -> None:
        """A direct schedule change replaces the waiting proposal, if any: it is dropped and
        the number moves on (its buttons then read as replaced)."""
        ...

    async def settle_schedule_proposal(self, pair_id: int, seq: int, proposer: int) -> str | None:
        """Decide-once: proposal number ``seq`` by ``proposer``, if it is still the one
        waiting, is settled (no longer waiting; the number stays, so its buttons read as
        answered). Returns its change for the one caller that settled it, None for every
        other (answered, replaced, or never made)."""
        ...

    async def hold_notice(self, pair_id: int, by: int, before: str) -> bool:
        """Start holding partner ``by``'s change notices (the settings ``before`` the first
        change, encoded by the domain), unless some are held already. True when this call
        started holding."""
        ...

    async def take_notice(self, pair_id: int, by: int) -> str | None:
        """Decide-once: the held notices of ``by`` stop being held. Returns the settings
        before their first change for the one caller that took them; None for every other
        (or when none of ``by``'s are held)."""
        ...

    async def ended_since(self, user_id: int, since: datetime) -> Pair | None:
        """The user's most recently ended pair, if it ended at or after ``since``."""
        ...

    async def forget_member(self, user_id: int) -> None:
        """The user deleted their data: their id (and their yes to sensitive questions) leaves
        every pair they were in."""
        ...

    async def ids_with_member(self, user_id: int) -> list[int]:
        """The ids of every pair the user is or was in."""
        ...


class Invites(Protocol):
    """Single-use deep-link invites (only the token's SHA-256 is stored)."""

    async def add(
        self,
        *,
        token_hash: str,
        inviter_id: int,
        kind: InviteKind,
        now: datetime,
        ttl: timedelta,
        cohort_id: int | None = None,
    ) -> int:
        """Store an open invite valid for ``ttl``; returns its id."""
        ...

    async def revoke_open(
        self, inviter_ids: Collection[int], kind: InviteKind, now: datetime | None = None
    ) -> int:
        """Revoke the open invites of ``kind`` these users made; returns how many of them
        still worked at ``now`` (aware UTC; not yet expired), 0 without ``now``."""
        ...

    async def get(self, invite_id: int) -> Invite | None:
        """The invite, or None."""
        ...

    async def by_token_hash(self, token_hash: str) -> Invite | None:
        """The invite whose token hashes to ``token_hash``, or None."""
        ...

    async def claim(
        self, invite_id: int, status: InviteStatus, used_by: int, now: datetime
    ) -> bool:
        """Decide-once: an open invite becomes ``status``, used by ``used_by``. True for the
        one caller that moved it."""
        ...

    async def open_for_cohort(self, cohort_id: int, now: datetime) -> int:
        """How many pair invites made from this cohort's enrolment are open and unexpired
        (partners invited who have not started Tandem for it)."""
        ...

    async def delete_for_user(self, user_id: int) -> None:
        """Delete every invite the user made or used."""
        ...
