"""The records the domain reads and writes: frozen, typed, free of SQL and Telegram.

Storage (``bot/storage``) turns rows into these records and back; the domain never sees a
database row, so ``mypy --strict`` checks every attribute it reads. Every instant is aware UTC
(DESIGN.md, scale model); a wall time (``time``) is naive and read in the zone beside it.

The enums' values are the strings stored in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from bot.domain.subjects import Awaiting
from content.schema import Dimension, Trigger
from scheduler.cadence import Cadence, Frequency, QuietHours, quiet_from_stored


class PairStatus(StrEnum):
    """A pair is active until either partner ends it (or deletes their data)."""

    ACTIVE = "active"
    ENDED = "ended"


class Retention(StrEnum):
    """How long a pair keeps its closed rounds (revealed answers and what else they hold):
    a number of months, or forever (the default). Either partner may shorten it; keeping
    longer needs both (a proposal the other accepts)."""

    MONTHS_3 = "3"
    MONTHS_6 = "6"
    MONTHS_12 = "12"
    FOREVER = "forever"

    @property
    def months(self) -> int | None:
        """The window in calendar months; None for forever."""
        return None if self is Retention.FOREVER else int(self.value)

    def longer_than(self, other: Retention) -> bool:
        """Whether this keeps rounds longer than ``other`` does."""
        mine, theirs = self.months, other.months
        if mine is None:
            return theirs is not None
        return theirs is not None and mine > theirs


class InviteStatus(StrEnum):
    """An invite is open until it is used once (accepted or declined) or replaced."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


class InviteKind(StrEnum):
    """What opening the invite's deep link does."""

    PAIR = "pair"  # pairs the opener with the inviter
    FACILITATOR = "facilitator"  # makes the opener a facilitator (an admin made it)
    COFACILITATOR = "cofacilitator"  # adds a facilitator to one cohort


class RoundStatus(StrEnum):
    """A round's life (DESIGN.md): open → revealed, or → expired; cancelled when the pair ends."""

    OPEN = "open"
    REVEALED = "revealed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Origin(StrEnum):
    """What opened a round."""

    SCHEDULED = "scheduled"  # the pair's daily / weekdays / weekly schedule
    CHECKIN = "checkin"  # /checkin
    WEEKLY = "weekly"  # the weekly deeper round
    FOLLOWUP = "followup"  # how an agreed exercise went, on its own
    PROGRAM = "program"  # a cohort program's check-in day


class RoundKind(StrEnum):
    """What a round asks: one light question, three deep ones, or a follow-up."""

    LIGHT = "light"
    DEEP = "deep"
    FOLLOWUP = "followup"


class Lane(StrEnum):
    """A pair has at most one open round per lane, so neither cuts the other short: the weekly
    (deep) round runs beside daily, ``/checkin`` and follow-up rounds."""

    DAILY = "daily"
    WEEKLY = "weekly"


def lane_of(kind: RoundKind) -> Lane:
    """The lane a round of ``kind`` runs in."""
    return Lane.WEEKLY if kind is RoundKind.DEEP else Lane.DAILY


class Reaction(StrEnum):
    """A partner's reaction to a reveal (issue 12), as stored; :attr:`emoji` is how /history
    shows it (the button labels are texts: ``texts.REACTION_LABELS``)."""

    THANKS = "thanks"
    TALK = "talk"
    SMILE = "smile"

    @property
    def emoji(self) -> str:
        """The reaction's emoji: ❤️, 🤔 or 🙂."""
        return {"thanks": "\u2764\ufe0f", "talk": "\U0001f914", "smile": "\U0001f642"}[self.value]


class OfferStatus(StrEnum):
    """An exercise offer: open while partners pick privately; then agreed (same pick, or
    settled), differed (picks shown, not settled), declined or cancelled (a newer offer);
    agreed → followed once the follow-up question was asked."""

    OPEN = "open"
    AGREED = "agreed"
    FOLLOWED = "followed"
    DIFFERED = "differed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


#: The pick that says "not now" (stored in place of an exercise id).
NOT_NOW = "none"


class CohortStatus(StrEnum):
    """A cohort runs (active or paused: pausing stops its enrolment link) until it ends."""

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Membership(StrEnum):
    """A pair's place in a cohort."""

    ENROLLED = "enrolled"
    LEFT = "left"
    COMPLETED = "completed"


class BroadcastStatus(StrEnum):
    """A facilitator's broadcast: previewed (draft), being delivered, done or cancelled."""

    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class User:
    """A Telegram user who has started the bot.

    ``timezone``: their IANA zone, None until they pick one. ``active``: False after they
    blocked the bot (``inactive_since`` says when). ``pair_id``: their active pair.
    ``awaiting``: what their next text message answers. ``pending_invite_id`` /
    ``pending_cohort_id``: the invite or consent screen they were shown and may answer.
    ``quiet_hours``: as stored (``"HH:MM-HH:MM"`` on their own clock, None for the default
    22:00-08:00, ``"off"``; read it with :attr:`quiet`). ``language``: the language chosen
    with /language (a shipped locale), None for Telegram's ``language_code`` (issue 12).
    """

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    timezone: str | None = None
    active: bool = True
    inactive_since: datetime | None = None
    pair_id: int | None = None
    awaiting: Awaiting | None = None
    pending_invite_id: int | None = None
    pending_cohort_id: int | None = None
    quiet_hours: str | None = None
    language: str | None = None

    @property
    def quiet(self) -> QuietHours | None:
        """The user's quiet hours on their own clock (None: turned off; the default until
        they choose, see :func:`scheduler.cadence.quiet_from_stored`)."""
        return quiet_from_stored(self.quiet_hours)

    @property
    def speaks(self) -> str | None:
        """The language to speak to them: their /language choice, else Telegram's."""
        return self.language or self.language_code


@dataclass(frozen=True, slots=True)
class Anniversary:
    """The day a pair counts from (``/anniversary``): a month and day, and the year when the
    partners gave one (never in the future)."""

    month: int
    day: int
    year: int | None = None

    def in_year(self, year: int) -> date:
        """The anniversary's date in ``year`` (29 February falls on the 28th in other years).
        Raises ValueError for a month and day that exist in no year."""
        if (self.month, self.day) == (2, 29):
            try:
                return date(year, 2, 29)
            except ValueError:
                return date(year, 2, 28)
        return date(year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class Trip:
    """A trip the pair noted with ``/trip``: its first and last day (local dates, ``start``
    on or before ``end``)."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Pair:
    """Two users linked by an accepted invite, and their schedule.

    ``user_a`` is the inviter; either id is None once that user deleted their data. The
    schedule: ``frequency`` on ``weekday`` (weekly) at ``time_of_day`` in ``timezone``;
    ``last_round_date`` / ``last_weekly_date``: the local date of the last scheduled round of
    each lane (a retried opening never opens a second). ``weekly_weekday`` None: no weekly
    round. ``focus``: dimensions weighed more in the choice of questions.
    ``followup_offer_id``: an exercise follow-up waiting for the pair's next round.
    ``retention``: how long closed rounds are kept; ``retention_proposal``: a longer
    retention ``retention_proposed_by`` one partner suggested, waiting for the other.
    ``deeper_a`` / ``deeper_b``: each partner's private yes to sensitive questions (``/deeper``);
    never shown to the other partner. ``paused_by``: who paused (only they can resume; None for
    a pause from before this was kept, which either may lift).
    ``packs``: the life-stage packs turned on (``/packs``; ids, at most two, in the order
    turned on). ``anniversary`` (``/anniversary``) and whether the bot has mentioned that
    command (``anniversary_mentioned``, once in a pair's life). ``trip``: the trip noted with
    ``/trip``, if any. All four are pair-level facts both partners see in ``/settings``.
    ``proposal``: a schedule change (encoded by :mod:`bot.domain.proposals`) that
    ``proposal_by`` proposed because it lands in the other partner's quiet hours, waiting for
    them; ``proposal_seq`` names the latest proposal (its buttons carry it). ``notice_by`` /
    ``notice_from``: changes one partner made in the last few minutes, not yet told to the
    other, and the settings before the first of them (encoded by :mod:`bot.domain.notices`).
    """

    id: int
    user_a: int | None
    user_b: int | None
    status: PairStatus
    timezone: str
    frequency: Frequency
    time_of_day: time
    weekday: int = 0
    paused: bool = False
    last_round_date: date | None = None
    weekly_weekday: int | None = None
    weekly_time: time | None = None
    last_weekly_date: date | None = None
    focus: frozenset[Dimension] = frozenset()
    followup_offer_id: int | None = None
    created_at: datetime | None = None
    ended_at: datetime | None = None
    retention: Retention = Retention.FOREVER
    retention_proposal: Retention | None = None
    retention_proposed_by: int | None = None
    deeper_a: bool = False
    deeper_b: bool = False
    paused_by: int | None = None
    packs: tuple[str, ...] = ()
    anniversary: Anniversary | None = None
    anniversary_mentioned: bool = False
    trip: Trip | None = None
    proposal: str | None = None
    proposal_by: int | None = None
    proposal_seq: int = 0
    notice_by: int | None = None
    notice_from: str | None = None

    @property
    def members(self) -> tuple[int, ...]:
        """The partners' user ids that still exist, inviter first."""
        return tuple(m for m in (self.user_a, self.user_b) if m is not None)

    def partner_of(self, user_id: int) -> int | None:
        """The other partner's id (None when they deleted their data)."""
        return self.user_b if self.user_a == user_id else self.user_a

    def opted_in(self, user_id: int) -> bool:
        """Whether ``user_id`` said yes to sensitive questions (their own choice only)."""
        if user_id == self.user_a:
            return self.deeper_a
        return user_id == self.user_b and self.deeper_b

    @property
    def both_opted_in(self) -> bool:
        """Whether both partners said yes to sensitive questions."""
        return self.deeper_a and self.deeper_b

    def has_member(self, user_id: int) -> bool:
        """Whether ``user_id`` is (or was, for an ended pair) one of the two."""
        return user_id in (self.user_a, self.user_b)

    def cadence(self) -> Cadence:
        """The daily-lane schedule as :mod:`scheduler.cadence` reads it."""
        return Cadence(
            frequency=self.frequency,
            time_of_day=self.time_of_day,
            timezone=self.timezone,
            weekday=self.weekday,
        )

    def weekly_cadence(self) -> Cadence | None:
        """The weekly deeper round's schedule (at ``weekly_time``, else the daily time), or
        None when the pair has not chosen one."""
        if self.weekly_weekday is None:
            return None
        return Cadence(
            frequency=Frequency.WEEKLY,
            time_of_day=self.weekly_time or self.time_of_day,
            timezone=self.timezone,
            weekday=self.weekly_weekday,
        )

    @property
    def runs_daily(self) -> bool:
        """Whether the pair's scheduled daily-lane rounds are running (not off, not paused)."""
        return self.frequency is not Frequency.OFF and not self.paused


@dataclass(frozen=True, slots=True)
class Invite:
    """A single-use deep-link invite; only its token's SHA-256 is stored."""

    id: int
    inviter_id: int
    kind: InviteKind
    status: InviteStatus
    expires_at: datetime
    cohort_id: int | None = None
    used_by: int | None = None


@dataclass(frozen=True, slots=True)
class Round:
    """One check-in: the same question(s) to both partners at one instant.

    ``offer_id``: the exercise offer whose follow-up question it carries. ``cohort_id`` and
    ``cohort_week``: for a program round, the cohort that asked it and the week (0 = first).
    """

    id: int
    pair_id: int
    origin: Origin
    kind: RoundKind
    status: RoundStatus
    opened_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None
    offer_id: int | None = None
    cohort_id: int | None = None
    cohort_week: int | None = None

    @property
    def lane(self) -> Lane:
        """The lane this round runs in (see :class:`Lane`)."""
        return lane_of(self.kind)


@dataclass(frozen=True, slots=True)
class NewRound:
    """A round to open (``Rounds.create_many``): what :meth:`bot.domain.ports.Rounds.create`
    takes, as a record; instants aware UTC."""

    pair_id: int
    origin: Origin
    kind: RoundKind
    opened_at: datetime
    expires_at: datetime
    question_ids: tuple[str, ...]
    offer_id: int | None = None
    cohort_id: int | None = None
    cohort_week: int | None = None


@dataclass(frozen=True, slots=True)
class Asked:
    """A round's question at ``position`` (0 first)."""

    position: int
    question_id: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One partner's answer to one question of a round; ``value`` None when ``skipped``.
    Private until the round is revealed (DESIGN.md, privacy rule 1). ``typed``: the partner
    wrote it (an open question), so it is stored encrypted; a button's value (scale digit,
    option id) stays plain so that aggregates can be computed (issue 9, "At rest")."""

    round_id: int
    position: int
    user_id: int
    value: str | None
    skipped: bool
    typed: bool = False


@dataclass(frozen=True, slots=True)
class TypedDraft:
    """A text a partner typed while a question was open, not yet confirmed as their answer
    (DESIGN.md, privacy rule 7: nothing unconfirmed is saved as an answer or revealed).
    ``message_id``: their Telegram message, so an edit of it updates the draft."""

    user_id: int
    round_id: int
    position: int
    text: str
    message_id: int


@dataclass(frozen=True, slots=True)
class Offer:
    """Two or three exercises suggested after a reveal, picked privately by each partner."""

    id: int
    pair_id: int
    round_id: int | None
    trigger: Trigger
    dimension: Dimension
    options: tuple[str, ...]
    status: OfferStatus
    chosen: str | None = None
    remind_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Cohort:
    """A facilitator's group of pairs following a program from ``start_date`` (a local date in
    ``timezone``), checking in on ``checkin_days`` (0 = Monday), with an optional weekly live
    session (``session_weekday`` at ``session_time``)."""

    id: int
    name: str
    program_id: str
    start_date: date
    checkin_days: tuple[int, ...]
    timezone: str
    status: CohortStatus
    session_weekday: int | None = None
    session_time: time | None = None
    created_by: int | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A pair that joined a cohort, with its place in it and when it joined (both partners
    had consented; a pair that left and came back joined again then)."""

    pair: Pair
    membership: Membership
    joined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A user's id and first name (lists and reports)."""

    id: int
    first_name: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A facilitator's ``/cohort_new`` answers so far, at ``step``."""

    step: str
    fields: dict[str, object] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A facilitator's message to a cohort and what became of its copies."""

    id: int
    cohort_id: int
    created_by: int | None
    text: str
    status: BroadcastStatus
    recipients: int = 0
    delivered: int = 0
    blocked: int = 0
    not_started: int = 0


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A frozen program week as stored: ``data`` is the report's own JSON."""

    week: int
    data: str
