"""Ports for facilitators, cohorts, set-up drafts and broadcasts (see
:mod:`bot.domain.ports`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from typing import Protocol

from bot.domain.model import (
    Broadcast,
    BroadcastStatus,
    Cohort,
    CohortStatus,
    Draft,
    Member,
    Membership,
    Pair,
    Person,
    StoredSnapshot,
    User,
)


class Facilitators(Protocol):
    """Who may run cohorts."""

    async def is_active(self, user_id: int) -> bool:
        """Whether the user holds an active facilitator role."""
        ...

    async def grant(self, user_id: int, granted_by: int, now: datetime) -> None:
        """Make (or make again) the user a facilitator."""
        ...

    async def revoke(self, user_id: int, now: datetime) -> bool:
        """Decide-once: an active facilitator's role ends. True for the caller that ended it."""
        ...

    async def active(self) -> list[Person]:
        """Active facilitators, by first name."""
        ...

    async def delete(self, user_id: int) -> None:
        """Forget the user's role, and that they granted anyone theirs (they deleted their
        data)."""
        ...


class Cohorts(Protocol):
    """Cohorts, their facilitators, consents, enrolled pairs and frozen weekly snapshots."""

    async def get(self, cohort_id: int) -> Cohort | None:
        """The cohort, or None."""
        ...

    async def by_token_hash(self, token_hash: str) -> Cohort | None:
        """The cohort whose enrolment token hashes to ``token_hash``."""
        ...

    async def create(
        self,
        *,
        name: str,
        program_id: str,
        start_date: date,
        checkin_days: Sequence[int],
        timezone: str,
        session_weekday: int | None,
        session_time: time | None,
        token_hash: str,
        created_by: int,
        now: datetime,
    ) -> Cohort:
        """A new active cohort; its creator is its first facilitator."""
        ...

    async def listed(self, facilitator_id: int | None) -> list[Cohort]:
        """Cohorts newest first: those of ``facilitator_id``, or every one (None)."""
        ...

    async def run_by(self, cohort_id: int, user_id: int) -> Cohort | None:
        """The cohort, if ``user_id`` is one of its facilitators."""
        ...

    async def set_status(self, cohort_id: int, status: CohortStatus) -> Cohort:
        """Pause or resume; returns the cohort."""
        ...

    async def end(self, cohort_id: int, now: datetime) -> bool:
        """Decide-once: a cohort that has not ended ends. True for the caller that ended it."""
        ...

    async def add_facilitator(self, cohort_id: int, user_id: int, now: datetime) -> None:
        """Add a facilitator to the cohort."""
        ...

    async def facilitators(self, cohort_id: int) -> list[Person]:
        """The cohort's facilitators, by first name."""
        ...

    async def leave_all_staff(self, user_id: int) -> None:
        """The user runs no cohort any more."""
        ...

    async def running_of(self, pair_id: int) -> Cohort | None:
        """The cohort (not ended) the pair is enrolled in, if any."""
        ...

    async def enrolled_among(self, pair_ids: Collection[int]) -> set[int]:
        """Those of ``pair_ids`` enrolled in a cohort that has not ended (:meth:`running_of`
        is not None), in one read."""
        ...

    async def enrol(self, cohort_id: int, pair_id: int, now: datetime) -> None:
        """The pair joins the cohort (again, if it had left)."""
        ...

    async def set_membership(
        self, cohort_id: int, pair_id: int, membership: Membership, now: datetime
    ) -> None:
        """The pair left or completed the cohort at ``now``."""
        ...

    async def leave_every(self, pair_id: int, now: datetime) -> None:
        """The pair ended: it leaves every cohort it is enrolled in."""
        ...

    async def enrolled(self, cohort_id: int) -> list[Pair]:
        """The active pairs enrolled in the cohort."""
        ...

    async def members(self, cohort_id: int) -> list[Member]:
        """Every pair that ever joined the cohort, by pair id, with its membership and when it
        last joined (``Member.joined_at``)."""
        ...

    async def membership_counts(self, cohort_id: int) -> dict[Membership, int]:
        """How many pairs are enrolled, left or completed."""
        ...

    async def staff_pairs(self, cohort_id: int, staff: Collection[int]) -> frozenset[int]:
        """Ids of the cohort's member pairs that one of ``staff`` (user ids) belongs to."""
        ...

    async def has_consented(self, cohort_id: int, user_id: int) -> bool:
        """Whether the user accepted to join the cohort."""
        ...

    async def consent(self, cohort_id: int, user_id: int, now: datetime) -> None:
        """Record the user's consent (once)."""
        ...

    async def consenting(self, cohort_id: int) -> list[int]:
        """The users who consented to this cohort."""
        ...

    async def withdraw(self, user_ids: Collection[int], cohort_id: int | None = None) -> None:
        """Forget these users' consents: to ``cohort_id``, or to every cohort (None)."""
        ...

    async def withdraw_others(self, user_ids: Collection[int], keep: int) -> None:
        """Forget these users' consents to every cohort but ``keep``."""
        ...

    async def has_snapshot(self, cohort_id: int, week: int) -> bool:
        """Whether the week is frozen."""
        ...

    async def save_snapshot(self, cohort_id: int, week: int, data: str, now: datetime) -> None:
        """Freeze a week's figures (``data``: the report's JSON)."""
        ...

    async def snapshots(self, cohort_id: int) -> list[StoredSnapshot]:
        """The frozen weeks, first week first."""
        ...

    async def forget_user(self, user_id: int) -> None:
        """The user deleted their data: their consents, facilitator seats and unsent broadcast
        drafts go; cohorts they created and broadcasts they sent no longer name them."""
        ...


class Drafts(Protocol):
    """Facilitators' ``/cohort_new`` conversations in progress."""

    async def save(self, user_id: int, step: str, fields: dict[str, object], now: datetime) -> None:
        """Store the conversation at ``step``."""
        ...

    async def get(self, user_id: int) -> Draft | None:
        """The user's draft, or None."""
        ...

    async def delete(self, user_id: int) -> None:
        """The conversation ends."""
        ...


class Broadcasts(Protocol):
    """Facilitators' messages to a cohort."""

    async def create(self, cohort_id: int, created_by: int, text: str, now: datetime) -> int:
        """A previewed draft; returns its id."""
        ...

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast, or None."""
        ...

    async def sending_in(self, cohort_id: int) -> bool:
        """Whether one of the cohort's broadcasts is being delivered."""
        ...

    async def move(self, broadcast_id: int, was: BroadcastStatus, to: BroadcastStatus) -> bool:
        """Decide-once: the broadcast moves from ``was`` to ``to``. True for the winner."""
        ...

    async def set_counts(
        self, broadcast_id: int, *, recipients: int, blocked: int, not_started: int
    ) -> None:
        """Who it went to, who could not be reached, who has not started Tandem."""
        ...

    async def finish(self, broadcast_id: int, blocked: int, now: datetime) -> None:
        """Delivery is over: done, with the final count of unreachable recipients."""
        ...

    async def recipients(self, cohort_id: int) -> list[User]:
        """The partners of the cohort's enrolled active pairs, by user id."""
        ...
