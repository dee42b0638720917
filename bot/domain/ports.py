"""What the domain needs from storage: a unit of work and one Protocol per aggregate.

``bot/storage`` implements these over SQLAlchemy Core; the domain imports only this module,
so no SQL and no database row reaches a rule. Every method runs inside the unit of work's one
transaction; every instant in and out is aware UTC.

Concurrency promises are part of the contract and are written in the docstrings. A
*decide-once* method is a conditional update whose row count says who won: of any number of
callers racing on the same row (threads, processes, both partners at once), exactly one gets
True (or the record). A *hold* serialises callers on a row for the rest of the transaction
(a row lock on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers).
The contract tests in ``tests/storage/`` check these promises for every backend.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.domain.messages import Message, OutboxItem
from bot.domain.model import (
    Answer,
    Asked,
    Broadcast,
    BroadcastStatus,
    Cohort,
    CohortStatus,
    Draft,
    Invite,
    InviteKind,
    InviteStatus,
    Lane,
    Member,
    Membership,
    Offer,
    OfferStatus,
    Origin,
    Pair,
    Person,
    Round,
    RoundKind,
    RoundStatus,
    StoredSnapshot,
    User,
)
from bot.domain.subjects import Awaiting, DueKind, Subject
from content.schema import Dimension, Trigger
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
    ) -> Pair:
        """Change the given parts of the schedule (None keeps a part); returns the pair."""
        ...

    async def set_weekly(self, pair_id: int, weekday: int | None, at: time | None) -> Pair:
        """The weekly deeper round's weekday and time (None, None: no weekly round)."""
        ...

    async def set_focus(self, pair_id: int, focus: frozenset[Dimension]) -> None:
        """The dimensions weighed more in the choice of questions."""
        ...

    async def mark_slot(self, pair_id: int, lane: Lane, day: date) -> None:
        """Record the local date of the lane's last scheduled round."""
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

    async def ended_since(self, user_id: int, since: datetime) -> Pair | None:
        """The user's most recently ended pair, if it ended at or after ``since``."""
        ...

    async def forget_member(self, user_id: int) -> None:
        """The user deleted their data: their id leaves every pair they were in."""
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

    async def revoke_open(self, inviter_ids: Collection[int], kind: InviteKind) -> None:
        """Revoke the open invites of ``kind`` these users made."""
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


class Rounds(Protocol):
    """Rounds and the questions each asked."""

    async def get(self, round_id: int) -> Round | None:
        """The round, or None."""
        ...

    async def open_of(self, pair_id: int) -> list[Round]:
        """The pair's open rounds, oldest first (at most one per lane)."""
        ...

    async def create(
        self,
        *,
        pair_id: int,
        origin: Origin,
        kind: RoundKind,
        opened_at: datetime,
        expires_at: datetime,
        question_ids: Sequence[str],
        offer_id: int | None = None,
        cohort_id: int | None = None,
        cohort_week: int | None = None,
    ) -> Round:
        """An open round asking ``question_ids`` at positions 0, 1, …"""
        ...

    async def asked(self, round_id: int) -> list[Asked]:
        """The round's questions by position."""
        ...

    async def asked_ids(self, round_ids: Collection[int]) -> list[str]:
        """The question ids these rounds asked."""
        ...

    async def hold_if_answerable(self, round_id: int, now: datetime) -> bool:
        """Hold: serialise answers to the round for the rest of the transaction, if it is open
        and its closing time is after ``now``. False (and nothing held) otherwise: an answer
        after the closing time must not reveal anything."""
        ...

    async def close_if_open(
        self, round_id: int, status: RoundStatus, now: datetime
    ) -> Round | None:
        """Decide-once: an open round moves to ``status`` (revealed or expired) at ``now``.
        The one winner gets the closed round; every other caller None."""
        ...

    async def cancel_open(self, pair_id: int, now: datetime) -> list[int]:
        """Cancel the pair's open rounds (the pair ended); returns their ids."""
        ...

    async def checkins_since(self, pair_id: int, since: datetime) -> int:
        """How many ``/checkin`` rounds the pair opened at or after ``since``."""
        ...

    async def question_counts(self, pair_id: int) -> dict[str, int]:
        """How often the pair was asked each question id."""
        ...

    async def revealed_since(self, pair_id: int, since: datetime) -> list[int]:
        """Ids of the pair's rounds revealed at or after ``since``, oldest first."""
        ...

    async def revealed_count(self, pair_id: int) -> int:
        """How many of the pair's rounds were revealed."""
        ...

    async def revealed_page(self, pair_id: int, offset: int, limit: int) -> list[Round]:
        """Revealed rounds, newest first (by closing time), ``offset`` back."""
        ...

    async def revealed_window(self, pair_id: int, since: datetime) -> list[int]:
        """Ids of revealed rounds (follow-ups aside) that closed at or after ``since``, oldest
        first."""
        ...

    async def revealed_before(self, pair_id: int, before: int, limit: int) -> list[int]:
        """Ids of up to ``limit`` revealed rounds (follow-ups aside) older than round
        ``before``, newest first."""
        ...

    async def closed_statuses(self, pair_id: int, limit: int) -> list[RoundStatus]:
        """Revealed or expired, of the pair's last ``limit`` closed rounds (follow-ups
        aside), newest first."""
        ...

    async def program_rounds(self, pair_id: int, cohort_id: int, week: int) -> list[Round]:
        """The program rounds this cohort asked the pair in program week ``week``."""
        ...


class Answers(Protocol):
    """Answers: private until their round is revealed (DESIGN.md, privacy rule 1). Read them
    only to decide or build a reveal, or for a revealed round."""

    async def of_round(self, round_id: int) -> list[Answer]:
        """Every answer given in the round."""
        ...

    async def positions(self, round_id: int, user_id: int) -> set[int]:
        """The positions of the round the user has answered."""
        ...

    async def save(self, answer: Answer, now: datetime) -> bool:
        """Store or replace the user's answer at that position; True when it is their first
        answer there."""
        ...

    async def delete_for_user(self, user_id: int) -> None:
        """Delete every answer the user gave."""
        ...


class Offers(Protocol):
    """Exercise offers and each partner's private pick."""

    async def get(self, offer_id: int) -> Offer | None:
        """The offer, or None."""
        ...

    async def open_of(self, pair_id: int) -> Offer | None:
        """The pair's offer still being picked, if any."""
        ...

    async def create(
        self,
        *,
        pair_id: int,
        round_id: int,
        trigger: Trigger,
        dimension: Dimension,
        options: Sequence[str],
        now: datetime,
    ) -> int:
        """A new open offer after round ``round_id``'s reveal, cancelling an open older one;
        returns its id."""
        ...

    async def offered_counts(self, pair_id: int) -> dict[str, int]:
        """How often each exercise id was among the pair's offers."""
        ...

    async def hold_if_open(self, offer_id: int) -> bool:
        """Hold: serialise picks on an open offer for the rest of the transaction. False (and
        nothing held) when the offer is not open."""
        ...

    async def move(
        self, offer_id: int, was: OfferStatus, to: OfferStatus, chosen: str | None, now: datetime
    ) -> bool:
        """Decide-once: the offer moves from ``was`` to ``to`` with ``chosen`` (the agreed
        exercise id, or None). True for the one caller that moved it."""
        ...

    async def set_reminder(self, offer_id: int, at: datetime | None) -> None:
        """When the agreed exercise's reminder comes (None: no reminder)."""
        ...

    async def picks(self, offer_id: int) -> dict[int, str]:
        """Each partner's pick so far (an exercise id or ``NOT_NOW``), by user id."""
        ...

    async def save_pick(self, offer_id: int, user_id: int, pick: str, now: datetime) -> bool:
        """Store or replace the user's pick; True when it is their first."""
        ...

    async def delete_picks_of(self, user_id: int) -> None:
        """Delete every pick the user made."""
        ...


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
        """Forget the user's role (they deleted their data)."""
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
        """Every pair that ever joined the cohort, by pair id."""
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
        """The user deleted their data: their consents and facilitator seats go."""
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


class Outbox(Protocol):
    """Messages written in the same transaction as what caused them (sent after commit)."""

    async def enqueue(
        self, message: Message, now: datetime, broadcast_id: int | None = None
    ) -> None:
        """Queue ``message`` (split to Telegram's limit once, here); ``broadcast_id``: it
        belongs to that broadcast, whose report counts its fate."""
        ...

    async def drop_for(self, user_id: int) -> None:
        """Drop every message waiting for the user."""
        ...

    async def pending_for_broadcast(self, broadcast_id: int) -> int:
        """How many of the broadcast's messages still wait."""
        ...


class DueSchedule(Protocol):
    """Due work: at most one row per (kind, subject)."""

    async def schedule(self, kind: DueKind, subject: Subject, at: datetime, now: datetime) -> None:
        """Create or move the row to ``at``, freeing any lease."""
        ...

    async def cancel(self, kind: DueKind, subject: Subject) -> None:
        """Delete the row, if any."""
        ...

    async def due_at(self, kind: DueKind, subject: Subject) -> datetime | None:
        """When the row is due, or None when there is none."""
        ...


class UnitOfWork(Protocol):
    """One transaction and the aggregates read and written in it. Leaving its context
    commits; an exception rolls everything back."""

    @property
    def users(self) -> Users:
        """Users."""
        ...

    @property
    def pairs(self) -> Pairs:
        """Pairs."""
        ...

    @property
    def invites(self) -> Invites:
        """Invites."""
        ...

    @property
    def rounds(self) -> Rounds:
        """Rounds."""
        ...

    @property
    def answers(self) -> Answers:
        """Answers."""
        ...

    @property
    def offers(self) -> Offers:
        """Exercise offers and picks."""
        ...

    @property
    def facilitators(self) -> Facilitators:
        """Facilitator roles."""
        ...

    @property
    def cohorts(self) -> Cohorts:
        """Cohorts."""
        ...

    @property
    def drafts(self) -> Drafts:
        """Cohort set-up drafts."""
        ...

    @property
    def broadcasts(self) -> Broadcasts:
        """Broadcasts."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox."""
        ...

    @property
    def due(self) -> DueSchedule:
        """Due work."""
        ...


class Transactions(Protocol):
    """Opens units of work: ``write()`` for operations that change state (on SQLite it takes
    the write lock at once, ``BEGIN IMMEDIATE``, so two writers queue instead of failing half
    way), ``read()`` for views that only read (no write lock; a consistent snapshot)."""

    def write(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-write unit of work."""
        ...

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit of work (writing through it is a bug)."""
        ...


class OutboxQueue(Protocol):
    """The sending side of the outbox, for the adapter's sender: each call is its own
    transaction."""

    async def claim(
        self, now: datetime, lease: timedelta, limit: int, claim_token: str
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` messages ready at ``now``, oldest first (one statement: two
        processes never take the same message; a lease that ends frees it)."""
        ...

    async def done(self, item: OutboxItem, outcome: str = "sent") -> None:
        """Forget a message Telegram accepted (``sent``) or that can never be delivered
        (``blocked``, ``dropped``), only while this claim holds it; a broadcast's message
        adds to its delivered or blocked count in the same transaction."""
        ...

    async def retry_later(self, item: OutboxItem, at: datetime) -> None:
        """Free the lease; the message is tried again at ``at``."""
        ...

    async def add(self, message: Message, at: datetime) -> None:
        """Queue ``message`` to be sent at ``at`` or later."""
        ...

    async def postpone_user(self, user_id: int, at: datetime, claim_token: str) -> None:
        """Every message to the user held by this claim, or by nobody, waits until ``at``, so
        the chat keeps its order after a failure."""
        ...

    async def pending(self) -> int:
        """How many messages wait."""
        ...


class UpdateLedger(Protocol):
    """Update ids already handled (Telegram delivers updates at least once)."""

    async def claim(self, update_id: int, now: datetime) -> bool:
        """Decide-once: record that the update is being handled; False when it already was."""
        ...

    async def release(self, update_id: int) -> None:
        """Forget a claimed id after its handling failed, so a redelivery is handled."""
        ...

    async def prune(self, before: datetime) -> None:
        """Forget ids received before ``before``."""
        ...
