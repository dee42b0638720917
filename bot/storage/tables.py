"""The data model: SQLAlchemy Core tables. Alembic migrations in ``migrations/`` create them.

Every instant is stored as aware UTC through :class:`UTCDateTime` (SQLite hands back naive
datetimes; the type restores UTC on the way out and refuses naive values on the way in).
Free text someone typed, and every queued message, is stored encrypted through
:class:`~bot.storage.crypt.EncryptedText` (``crypt.ENCRYPTED`` lists those columns).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator

from bot.storage.crypt import EncryptedText

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that accepts only aware datetimes and always returns aware UTC.

    Raises ValueError when given a naive datetime: a stored instant without a zone is a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # Telegram user id
    Column("first_name", String(128), nullable=False),
    Column("username", String(64)),
    Column("language_code", String(16)),
    Column("timezone", String(64)),  # IANA name; None until the user picks one
    # "HH:MM-HH:MM" on their own clock; None = the default 22:00-08:00; "off" = none (issue 12)
    Column("quiet_hours", String(11)),
    Column("language", String(16)),  # chosen with /language; None = Telegram's language_code
    Column("active", Boolean, nullable=False, default=True),  # False after blocking the bot
    Column("inactive_since", UTCDateTime),  # when they blocked it: reveals since are re-sent
    Column("pair_id", Integer, ForeignKey("pairs.id", use_alter=True), index=True),  # the pair
    Column("awaiting", String(64)),  # what the next text message answers: see domain.inputs
    Column("pending_invite_id", Integer),  # the invite this user opened and may accept
    Column("pending_cohort_id", Integer),  # the cohort whose consent screen this user was shown
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

pairs = Table(
    "pairs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_a", BigInteger, index=True),  # the inviter; None once they deleted their data
    Column("user_b", BigInteger, index=True),
    Column("status", String(16), nullable=False),  # active | ended
    Column("timezone", String(64), nullable=False),
    Column("frequency", String(16), nullable=False),  # daily | weekdays | weekly | off
    Column("weekday", Integer, nullable=False, default=0),  # 0 = Monday, for weekly
    Column("time_of_day", String(5), nullable=False),  # "HH:MM" local in `timezone`
    Column("paused", Boolean, nullable=False, default=False),
    Column("paused_by", BigInteger),  # who paused: only they can resume
    Column("last_round_date", Date),  # local date of the last scheduled round
    # The weekly deeper round (three deep questions): weekday 0 = Monday; None = not chosen.
    Column("weekly_weekday", Integer),
    Column("weekly_time", String(5)),  # "HH:MM" local in `timezone`
    Column("last_weekly_date", Date),  # local date of the last weekly round
    Column("focus", String(256)),  # comma-separated dimensions the pair wants weighted
    Column("followup_offer_id", Integer),  # a follow-up waiting for the pair's next round
    # Each partner's private yes to sensitive questions (/deeper); both must say yes.
    Column("deeper_a", Boolean, nullable=False, default=False, server_default=false()),
    Column("deeper_b", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    # How long closed rounds are kept: "3" | "6" | "12" (months) | "forever".
    Column("retention", String(8), nullable=False, server_default="forever"),
    Column("retention_proposal", String(8)),  # a longer retention waiting for the other
    Column("retention_proposed_by", BigInteger),  # who suggested it
    # Life-stage packs turned on (/packs): comma-separated pack ids, at most two; "" for none.
    Column("packs", String(100), nullable=False, default="", server_default=""),
    # The anniversary (/anniversary): "YYYY-MM-DD", or "--MM-DD" without a year.
    Column("anniversary", String(10)),
    # Whether the bot has mentioned /anniversary (once in a pair's life).
    Column("anniversary_mentioned", Boolean, nullable=False, default=False, server_default=false()),
    Column("trip_start", Date),  # the trip noted with /trip: first and last local day
    Column("trip_end", Date),
    # A schedule change waiting for the other partner (it lands in their quiet hours): the
    # change (the domain's encoding), who proposed it, and the counter its buttons carry.
    Column("proposal", String(120)),
    Column("proposal_by", BigInteger),
    Column("proposal_seq", Integer, nullable=False, default=0, server_default="0"),
    # Changes one partner made in the last few minutes, not yet told to the other: who, and
    # the settings before the first of them (the domain's encoding).
    Column("notice_by", BigInteger),
    Column("notice_from", String(600)),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("inviter_id", BigInteger, nullable=False, index=True),
    Column("status", String(16), nullable=False),  # open | accepted | declined | revoked
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_by", BigInteger, index=True),
    Column("used_at", UTCDateTime),
    # pair: pairs two users; facilitator: makes the opener a facilitator (admins make these)
    Column("kind", String(16), nullable=False, server_default="pair"),
    Column("cohort_id", Integer, index=True),  # a pair invite made from a cohort's enrolment
)

rounds = Table(
    "rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pair_id", Integer, ForeignKey("pairs.id"), nullable=False),
    Column("origin", String(16), nullable=False),  # scheduled | checkin | weekly | followup
    # light (daily question) | deep (weekly round of three) | followup (how an exercise went)
    Column("kind", String(16), nullable=False, server_default="light"),
    Column("offer_id", Integer),  # for a followup round: the exercise offer it follows up
    Column("cohort_id", Integer),  # for a program round: the cohort that asked it
    Column("cohort_week", Integer),  # for a program round: the program week (0 = first)
    Column("status", String(16), nullable=False),  # open | revealed | expired | cancelled
    Column("opened_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("version", Integer, nullable=False, default=0),  # bumped to serialise answers
    Index("ix_rounds_pair_status", "pair_id", "status"),
    # Only the open rounds (few): /metrics counts them without reading every round ever held.
    Index(
        "ix_rounds_open",
        "status",
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

round_questions = Table(
    "round_questions",
    metadata,
    Column("round_id", Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("question_id", String(64), nullable=False),
    PrimaryKeyConstraint("round_id", "position"),
)

answers = Table(
    "answers",
    metadata,
    Column("round_id", Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    # A button's value (scale digit, option id), plain so that aggregates can be computed;
    # None when skipped ("keep this private") or typed.
    Column("value", Text),
    Column("text", EncryptedText),  # what the partner typed (an open question), encrypted
    Column("skipped", Boolean, nullable=False, default=False),
    Column("answered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("message_id", Integer),  # the author's typed message, so an edit can replace it
    PrimaryKeyConstraint("round_id", "position", "user_id"),
    Index("ix_answers_user", "user_id"),
    # Typed answers only, in key order: the start-up key check reads the first and the last
    # without walking every button answer (crypt.encrypted_samples).
    Index(
        "ix_answers_typed",
        "round_id",
        "position",
        "user_id",
        sqlite_where=text("text IS NOT NULL"),
        postgresql_where=text("text IS NOT NULL"),
    ),
)

# A partner's reaction to a revealed round (issue 12): one per partner per round, shown only to
# the pair's two members; removed with the round and with the user's data.
reveal_reactions = Table(
    "reveal_reactions",
    metadata,
    Column("round_id", Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("reaction", String(16), nullable=False),  # thanks | talk | smile
    Column("at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("round_id", "user_id"),
)

# A typed text waiting for its author to confirm it as their answer (at most one per user);
# nothing here is ever revealed (DESIGN.md, privacy rule 7).
typed_answers = Table(
    "typed_answers",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "round_id", Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),
    Column("text", EncryptedText, nullable=False),  # what the partner typed, encrypted
    Column("message_id", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Bot messages that show a pair's answers, sent in the last 48 hours (the window in which a bot
# may still delete them): /delete and /unpair take them back from both chats.
sent_messages = Table(
    "sent_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", Integer, nullable=False),
    Column("pair_id", Integer, nullable=False, index=True),
    Column("sent_at", UTCDateTime, nullable=False, index=True),
)

#: The sent question messages of open rounds, per user (issue 12): a reminder replies to the
#: question it points at, and the round's close queues the removal of their buttons (then
#: forgets them). Ids of messages only: no text.
round_messages = Table(
    "round_messages",
    metadata,
    Column("round_id", Integer, ForeignKey("rounds.id"), primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
    Column("message_id", Integer, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Index("ix_round_messages_user_id", "user_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", BigInteger, nullable=False, index=True),  # private chat id = user id
    # Queued messages carry revealed answers and names: text and buttons are encrypted.
    Column("text", EncryptedText, nullable=False),
    Column("buttons", EncryptedText),  # JSON: rows of {"label", "data"} / {"label", "url"}
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False, index=True),
    Column("lease_until", UTCDateTime),
    Column("claim_token", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("broadcast_id", Integer, index=True),  # a broadcast's message: its fate is counted
    Column("entities", Text),  # JSON: [[style, offset, length], ...] in UTF-16 units
    Column("protect", Boolean, nullable=False, default=False, server_default="0"),
    Column("carries", Integer, index=True),  # the pair whose answers the text shows
    Column("delete_message_id", Integer),  # not a message: delete this one from the chat
    # 0 interactive, 1 normal, 2 bulk (bot.domain.messages.Priority): claimed in this order.
    Column("priority", Integer, nullable=False, default=1, server_default="1"),
    # Real send attempts that failed (the backoff grows with it); claims and 429s do not count.
    Column("failures", Integer, nullable=False, default=0, server_default="0"),
    Column("not_after", UTCDateTime),  # a scheduled question is not sent after this instant
    # sent with disable_notification: it reaches someone inside their quiet hours (issue 12)
    Column("silent", Boolean, nullable=False, default=False, server_default=false()),
    # A round's question message (issue 12): once sent, its message id is remembered in
    # round_messages, so the round's close can take its buttons away.
    Column("round_id", Integer),
    Column("round_position", Integer),
    Column("reply_to", Integer),  # sent as a reply to this message of the chat (if still there)
    Column("clear_markup_id", Integer),  # not a message: remove this one's inline keyboard
    # held until then: the end of the recipient's quiet hours; while held, the row does not
    # hold back its chat's later messages (issue 12)
    Column("not_before", UTCDateTime),
    # What the message is about (Message.topic): a newer one of the topic, or what settles
    # it, drops it while it waits (issue 12)
    Column("topic", String(48)),
    Index("ix_outbox_priority_id", "priority", "id"),
)

#: The shared send budget: each row's next free slot; every process reserves slots here.
send_budget = Table(
    "send_budget",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("next_free", UTCDateTime, nullable=False),
)

#: One message per second per chat, across processes (PostgreSQL only, see
#: ``bot/storage/chatpace.py``): until when the chat's turn is taken. A row whose instant is
#: past means nothing and is pruned after a minute.
chat_pace = Table(
    "chat_pace",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("next_at", UTCDateTime, nullable=False),
)

due_work = Table(
    "due_work",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("due_at", UTCDateTime, nullable=False, index=True),
    Column("lease_until", UTCDateTime),
    Column("claim_token", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "subject", name="uq_due_work_kind_subject"),
)

exercise_offers = Table(
    "exercise_offers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pair_id", Integer, ForeignKey("pairs.id"), nullable=False),
    Column("round_id", Integer, ForeignKey("rounds.id", ondelete="SET NULL"), index=True),
    Column("trigger", String(16), nullable=False),  # mismatch | repeated | both_low
    Column("dimension", String(32), nullable=False),
    Column("options", String(160), nullable=False),  # comma-separated exercise ids, 1-3
    # open (picking) | agreed | followed (follow-up asked) | differed (picks shown, not
    # decided) | declined | cancelled
    Column("status", String(16), nullable=False),
    Column("chosen", String(64)),  # the exercise both agreed on
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("remind_at", UTCDateTime),
    Index("ix_exercise_offers_pair_status", "pair_id", "status"),
)

exercise_picks = Table(
    "exercise_picks",
    metadata,
    Column(
        "offer_id",
        Integer,
        ForeignKey("exercise_offers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("pick", String(64), nullable=False),  # an exercise id, or "none" (not now)
    Column("picked_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("offer_id", "user_id"),
)

facilitators = Table(
    "facilitators",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),  # active | revoked
    Column("granted_by", BigInteger),  # the admin (None once they deleted their data)
    Column("granted_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

cohorts = Table(
    "cohorts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("program_id", String(64), nullable=False),
    Column("start_date", Date, nullable=False),  # the first program week starts here (local)
    Column("checkin_days", String(20), nullable=False),  # weekdays, 0 = Monday: "0,2,4"
    Column("timezone", String(64), nullable=False),
    Column("session_weekday", Integer),  # the live group session, if any
    Column("session_time", String(5)),  # "HH:MM" local in `timezone`
    Column("status", String(16), nullable=False),  # active | paused | ended
    Column("enrol_token_hash", String(64), unique=True),  # sha256 of the enrolment token
    Column("created_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
)

cohort_facilitators = Table(
    "cohort_facilitators",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("added_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("cohort_id", "user_id"),
)

cohort_consents = Table(
    "cohort_consents",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("accepted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("cohort_id", "user_id"),
)

cohort_pairs = Table(
    "cohort_pairs",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("pair_id", Integer, ForeignKey("pairs.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # enrolled | left | completed
    Column("joined_at", UTCDateTime, nullable=False),
    Column("left_at", UTCDateTime),
    PrimaryKeyConstraint("cohort_id", "pair_id"),
)

cohort_snapshots = Table(
    "cohort_snapshots",
    metadata,
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("week", Integer, nullable=False),  # 0 = the first program week
    Column("frozen_at", UTCDateTime, nullable=False),
    # JSON: participation per pair; per topic and check question the pooled pairs, the noisy
    # count (and sum) drawn at the freeze, and "alike" (only in weeks frozen before
    # 2026-12-03, whose marked figures stay withheld). Shown only when K pairs are pooled.
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("cohort_id", "week"),
)

broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort_id", Integer, ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", BigInteger, index=True),
    Column("text", EncryptedText, nullable=False),  # what the facilitator typed
    Column("status", String(16), nullable=False),  # draft | sending | done | cancelled
    Column("created_at", UTCDateTime, nullable=False),
    Column("recipients", Integer, nullable=False, default=0),
    Column("delivered", Integer, nullable=False, default=0),
    Column("blocked", Integer, nullable=False, default=0),
    Column("not_started", Integer, nullable=False, default=0),
    Column("finished_at", UTCDateTime),
    Index("ix_broadcasts_cohort_status", "cohort_id", "status"),
)

cohort_drafts = Table(
    "cohort_drafts",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("step", String(16), nullable=False),  # name | program | start | days | tz | session
    # JSON of what the facilitator answered so far (typed: encrypted)
    Column("fields", EncryptedText, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

processed_updates = Table(
    "processed_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", UTCDateTime, nullable=False, index=True),
)
