"""Tandem's domain rules: pairing, schedules, rounds, answers, reveal, mismatch → exercise.

Nothing here imports ``telegram``. Each operation runs in one database transaction and returns
an :class:`~bot.domain.messages.Outcome` for the user who acted; what anyone else must be told
(and every reveal) is written to the outbox in that same transaction, so it goes out at least
once even across a restart.

Privacy (DESIGN.md): an answer is only ever read to build the reveal, inside the transaction
that decides it; before that the only thing a partner learns is *that* an answer is waiting.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.invites import deep_link, issue_invite, token_hash
from bot.domain.legacy.broadcasts import AWAIT_BROADCAST
from bot.domain.legacy.cohorts import AWAIT_COHORT, Cohorts
from bot.domain.legacy.insight import Insight
from bot.domain.legacy.offers import (
    AWAIT_REMIND,
    FOLLOWUP_PREFIX,
    KIND_FOLLOWUP,
    ExerciseFlow,
    followup_question,
    followup_waiting,
)
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.i18n import format_day, format_instant, speaking
from bot.i18n import gettext as tr
from bot.storage import queues
from bot.storage.tables import (
    answers,
    cohort_consents,
    cohort_drafts,
    cohort_facilitators,
    cohort_pairs,
    exercise_picks,
    facilitators,
    invites,
    outbox,
    pairs,
    processed_updates,
    round_questions,
    rounds,
    users,
)
from content.loader import ContentBank
from content.schema import (
    WANTS_VALUES,
    Depth,
    Dimension,
    Gap,
    Question,
    WeeklySlot,
)
from scheduler.cadence import (
    REMINDER_MARGIN,
    Cadence,
    Frequency,
    TimeOfDayError,
    is_night,
    local_time,
    next_morning,
    next_occurrence,
    parse_time_of_day,
    reminder_instant,
)
from scheduler.clock import Clock
from scheduler.due import DueItem
from scheduler.zones import parse_timezone

logger = logging.getLogger(__name__)

INVITE_TTL = timedelta(hours=48)
CHECKIN_TTL = timedelta(hours=24)
#: A scheduled round that is more than this late (the bot was down) is skipped, not sent.
MAX_LATENESS = timedelta(hours=2)
MAX_CHECKINS_PER_DAY = 3
MAX_OPEN_ANSWER_CHARS = 2000
#: How much of an open answer the "Saved" acknowledgement repeats back.
ACK_ECHO_CHARS = 300
DEFAULT_TIME = time(20, 0)

KIND_OPEN_ROUND = "open_round"
KIND_REMIND = "remind"
KIND_EXPIRE = "expire"
KIND_OPEN_WEEKLY = "open_weekly"

ROUND_LIGHT = "light"
ROUND_DEEP = "deep"
WEEKLY_TTL = timedelta(hours=48)
#: A focus dimension's weight in the draw of questions (others weigh 1).
FOCUS_WEIGHT = 3
MAX_FOCUS = 4

COMMON_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)

AWAIT_TIMEZONE = "timezone"
AWAIT_TIME = "time"
_AWAIT_ANSWER = "answer"

#: Chooses the next question from the least-asked candidates (tests inject a fixed one).
QuestionPicker = Callable[[Sequence[Question]], Question]


def random_picker(rng: random.Random | None = None) -> QuestionPicker:
    """A picker choosing uniformly among candidates with ``rng`` (default: system entropy)."""
    chooser = rng or random.SystemRandom()

    def pick(candidates: Sequence[Question]) -> Question:
        return chooser.choice(list(candidates))

    return pick


@dataclass(frozen=True)
class UserInfo:
    """Who sent an update, as the adapter read it from Telegram (never trusted for access:
    only ``id`` identifies, and it comes from Telegram, not from callback data)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


class Tandem:
    """The domain service. One instance per process; safe for concurrent use.

    ``engine``: the database; ``content``: validated questions and exercises; ``clock``: the
    source of "now"; ``default_timezone``: IANA zone used until a user picks theirs;
    ``bot_username``: for deep links; ``picker``: question choice among the least asked.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        content: ContentBank,
        clock: Clock,
        *,
        default_timezone: str = "UTC",
        bot_username: str = "TandemBot",
        picker: QuestionPicker | None = None,
        admins: Sequence[int] = (),
        min_pairs: int = 5,
    ) -> None:
        self.engine = engine
        self.content = content
        self.clock = clock
        self.default_timezone = default_timezone
        self.bot_username = bot_username
        self._pick = picker or random_picker()
        self.exercises = ExerciseFlow(self)
        self.insight = Insight(self)
        self.cohorts = Cohorts(self, admins, min_pairs)

    # ------------------------------------------------------------------ helpers

    def _now(self) -> datetime:
        return self.clock.now()

    async def _touch_user(self, conn: AsyncConnection, who: UserInfo) -> Row[tuple[object, ...]]:
        """Create or refresh the user row from Telegram's data; return it."""
        now = self._now()
        row = (await conn.execute(select(users).where(users.c.id == who.id))).first()
        if row is not None and (row.first_name, row.username, row.language_code) == (
            who.first_name[:128],
            who.username,
            who.language_code,
        ):
            return row
        if row is None:
            await conn.execute(
                insert(users).values(
                    id=who.id,
                    first_name=who.first_name[:128] or "Partner",
                    username=who.username,
                    language_code=who.language_code,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            await conn.execute(
                update(users)
                .where(users.c.id == who.id)
                .values(
                    first_name=who.first_name[:128] or row.first_name,
                    username=who.username,
                    language_code=who.language_code,
                    updated_at=now,
                )
            )
        return (await conn.execute(select(users).where(users.c.id == who.id))).one()

    async def _user(self, conn: AsyncConnection, user_id: int) -> Row[tuple[object, ...]] | None:
        return (await conn.execute(select(users).where(users.c.id == user_id))).first()

    async def _pair_of(
        self, conn: AsyncConnection, user: Row[tuple[object, ...]]
    ) -> tuple[Row[tuple[object, ...]], Row[tuple[object, ...]]] | None:
        """The user's active pair and their partner's row, or None."""
        if user.pair_id is None:
            return None
        pair = (
            await conn.execute(
                select(pairs).where(pairs.c.id == user.pair_id, pairs.c.status == "active")
            )
        ).first()
        if pair is None:
            return None
        partner_id = pair.user_b if pair.user_a == user.id else pair.user_a
        partner = await self._user(conn, int(partner_id))
        if partner is None:
            return None
        return pair, partner

    def _zone(self, user: Row[tuple[object, ...]]) -> str:
        return str(user.timezone or self.default_timezone)

    @staticmethod
    def _fmt_date(day: date) -> str:
        """A calendar date as users read it, in the locale in force: ``Mon 7 Dec``."""
        return format_day(day)

    @staticmethod
    def _fmt_local(instant: datetime, zone: str) -> str:
        return format_instant(local_time(instant, zone))

    @staticmethod
    def _cadence(pair: Row[tuple[object, ...]]) -> Cadence:
        hh, mm = str(pair.time_of_day).split(":")
        return Cadence(
            frequency=Frequency(str(pair.frequency)),
            time_of_day=time(int(hh), int(mm)),
            timezone=str(pair.timezone),
            weekday=int(pair.weekday),
        )

    def _schedule_text(self, pair: Row[tuple[object, ...]]) -> str:
        cadence = self._cadence(pair)
        t = cadence.time_of_day.strftime("%H:%M")
        if cadence.frequency is Frequency.DAILY:
            return texts.SCHEDULE_DAILY.format(time=t, zone=cadence.timezone)
        if cadence.frequency is Frequency.WEEKDAYS:
            return texts.SCHEDULE_WEEKDAYS.format(time=t, zone=cadence.timezone)
        if cadence.frequency is Frequency.WEEKLY:
            return texts.SCHEDULE_WEEKLY.format(
                day=texts.WEEKDAYS[cadence.weekday], time=t, zone=cadence.timezone
            )
        if pair.weekly_weekday is not None:
            return texts.SCHEDULE_OFF_WEEKLY
        return texts.SCHEDULE_OFF

    async def _next_text(
        self, conn: AsyncConnection, pair: Row[tuple[object, ...]], zone: str
    ) -> str:
        dues = [
            due
            for kind in (KIND_OPEN_ROUND, KIND_OPEN_WEEKLY)
            if (due := await queues.due_at_of(conn, kind, f"pair:{pair.id}")) is not None
        ]
        if not dues:
            return texts.NEXT_NONE
        return texts.NEXT_AT.format(when=self._fmt_local(min(dues), zone))

    @staticmethod
    def _speaking(user: Row[tuple[object, ...]]) -> AbstractContextManager[None]:
        """Texts built inside this block are in ``user``'s language (their Telegram one)."""
        return speaking(_opt(user.language_code))

    async def _tell(self, conn: AsyncConnection, message: Message) -> None:
        await queues.enqueue(conn, message, self._now())

    async def _reschedule_pair(
        self,
        conn: AsyncConnection,
        pair: Row[tuple[object, ...]],
        after: datetime | None = None,
    ) -> datetime | None:
        """Put the pair's next round opening in due work (or remove it when the schedule is
        off, paused, or a partner is inactive). Returns the instant (aware UTC) or None."""
        subject = f"pair:{pair.id}"
        both_active = (
            await conn.execute(
                select(func.count())
                .select_from(users)
                .where(users.c.id.in_([pair.user_a, pair.user_b]), users.c.active.is_(True))
            )
        ).scalar_one() == 2
        nxt = None
        if pair.status == "active" and not pair.paused and both_active:
            cadence = await self.cohorts.program_cadence(conn, pair) or self._cadence(pair)
            nxt = next_occurrence(
                cadence, after or self._now(), last_local_date=pair.last_round_date
            )
        if nxt is None:
            await queues.cancel_due(conn, KIND_OPEN_ROUND, subject)
        else:
            await queues.schedule_due(conn, KIND_OPEN_ROUND, subject, nxt, self._now())
        weekly = self._weekly_cadence(pair)
        nxt_weekly = None
        if pair.status == "active" and not pair.paused and both_active and weekly is not None:
            nxt_weekly = next_occurrence(
                weekly, after or self._now(), last_local_date=pair.last_weekly_date
            )
        if nxt_weekly is None:
            await queues.cancel_due(conn, KIND_OPEN_WEEKLY, subject)
        else:
            await queues.schedule_due(conn, KIND_OPEN_WEEKLY, subject, nxt_weekly, self._now())
        parked = followup_waiting(pair)
        if parked is not None and pair.status == "active" and both_active:
            # A follow-up that waited for a resume or a return, with no schedule to carry it.
            await queues.schedule_due(
                conn, KIND_FOLLOWUP, f"offer:{parked}", self._now(), self._now()
            )
        return nxt

    @staticmethod
    def _weekly_cadence(pair: Row[tuple[object, ...]]) -> Cadence | None:
        """The weekly deeper round's schedule, or None when the pair has not chosen one."""
        if pair.weekly_weekday is None:
            return None
        hh, mm = str(pair.weekly_time or pair.time_of_day).split(":")
        return Cadence(
            frequency=Frequency.WEEKLY,
            time_of_day=time(int(hh), int(mm)),
            timezone=str(pair.timezone),
            weekday=int(pair.weekly_weekday),
        )

    # ------------------------------------------------------------------ start, help, timezone

    async def start(self, who: UserInfo, payload: str | None = None) -> Outcome:
        """``/start`` with an optional deep-link payload (an invite token)."""
        async with self.engine.begin() as conn:
            before = await self._user(conn, who.id)
            user = await self._touch_user(conn, who)
            out = Outcome()
            if before is not None and not before.active:
                await self._reactivate(conn, user)
                out.replies.append(Message(who.id, texts.WELCOME_BACK.format(name=user.first_name)))
            if payload:
                out.replies.extend((await self._open_invite(conn, user, payload)).replies)
                return out
            if before is None or before.active:
                out.replies.append(Message(who.id, texts.WELCOME.format(name=user.first_name)))
            if user.timezone is None:
                await self._set_awaiting(conn, who.id, AWAIT_TIMEZONE)
                out.replies.append(Message(who.id, texts.ASK_TIMEZONE, self._zone_keyboard()))
            else:
                out.replies.append(await self._next_step(conn, user))
            return out

    async def _next_step(self, conn: AsyncConnection, user: Row[tuple[object, ...]]) -> Message:
        found = await self._pair_of(conn, user)
        if found is None:
            return Message(user.id, texts.NEXT_STEP_UNPAIRED)
        return Message(user.id, texts.NEXT_STEP_PAIRED.format(partner=found[1].first_name))

    def _zone_keyboard(self) -> Keyboard:
        zones = [Button(z.split("/")[-1].replace("_", " "), f"tz:{z}") for z in COMMON_ZONES]
        rows = tuple(tuple(zones[i : i + 3]) for i in range(0, len(zones), 3))
        return (*rows, (Button(texts.TIMEZONE_OTHER, "tz:other"),))

    async def help(self, who: UserInfo) -> Outcome:
        """``/help``: what Tandem does and the command list; facilitators and admins also see
        their own commands."""
        lines = "\n".join(f"/{name} \u2013 {desc}" for name, desc in texts.COMMANDS)
        text = texts.HELP.format(commands=lines)
        async with self.engine.connect() as conn:
            facilitator = await self.cohorts.is_facilitator(conn, who.id)
        extra = list(texts.FACILITATOR_COMMANDS) if facilitator else []
        if self.cohorts.is_admin(who.id):
            extra += list(texts.ADMIN_COMMANDS)
        if extra:
            listed = "\n".join(f"/{name} \u2013 {desc}" for name, desc in extra)
            text += "\n\n" + texts.HELP_FACILITATOR.format(commands=listed)
        return Outcome(replies=[Message(who.id, text)])

    async def ask_timezone(self, who: UserInfo) -> Outcome:
        """``/timezone`` without an argument: the tap-list, and typed text is taken next."""
        async with self.engine.begin() as conn:
            await self._touch_user(conn, who)
            await self._set_awaiting(conn, who.id, AWAIT_TIMEZONE)
        return Outcome(replies=[Message(who.id, texts.ASK_TIMEZONE_AGAIN, self._zone_keyboard())])

    async def set_timezone(self, who: UserInfo, text: str) -> Outcome:
        """Set the user's own timezone from a typed city/zone or a tapped zone.

        Unknown input gets a friendly reply and changes nothing.
        """
        if text == "other":
            async with self.engine.begin() as conn:
                await self._touch_user(conn, who)
                await self._set_awaiting(conn, who.id, AWAIT_TIMEZONE)
            return Outcome(replies=[Message(who.id, texts.TIMEZONE_TYPE)], toast="")
        try:
            zone = parse_timezone(text)
        except ValueError:
            shown = text.strip()[:40]
            return Outcome(replies=[Message(who.id, texts.TIMEZONE_UNKNOWN.format(text=shown))])
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            await conn.execute(
                update(users)
                .where(users.c.id == who.id)
                .values(timezone=zone, updated_at=self._now())
            )
            if user.awaiting == AWAIT_TIMEZONE:
                await self._set_awaiting(conn, who.id, None)
            user = await self._touch_user(conn, who)
            now_local = local_time(self._now(), zone).strftime("%H:%M")
            out = Outcome(
                replies=[Message(who.id, texts.TIMEZONE_SET.format(zone=zone, local=now_local))]
            )
            found = await self._pair_of(conn, user)
            if found is None:
                out.replies.append(await self._next_step(conn, user))
            elif found[0].timezone != zone:
                pair, partner = found
                out.replies.append(
                    Message(
                        who.id,
                        texts.TIMEZONE_OFFER_PAIR.format(
                            partner=partner.first_name, pair_zone=pair.timezone, zone=zone
                        ),
                        (
                            (Button(texts.TIMEZONE_USE_MINE.format(zone=zone), "ptz:me"),),
                            (Button(texts.TIMEZONE_KEEP.format(zone=pair.timezone), "s:keep"),),
                        ),
                    )
                )
            return out

    async def _set_awaiting(self, conn: AsyncConnection, user_id: int, what: str | None) -> None:
        await conn.execute(update(users).where(users.c.id == user_id).values(awaiting=what))

    async def _set_awaiting_if(self, conn: AsyncConnection, user_id: int, what: str) -> None:
        """Stop waiting for ``what`` from the user, if that is what the next text answers."""
        await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.awaiting == what)
            .values(awaiting=None)
        )

    # ------------------------------------------------------------------ pairing

    async def create_invite(self, who: UserInfo) -> Outcome:
        """``/pair``: a single-use invite deep link, valid 48 hours. Earlier open invites of
        the same user are revoked. Only the token's SHA-256 is stored."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            found = await self._pair_of(conn, user)
            if found is not None:
                return Outcome(
                    replies=[
                        Message(
                            who.id, texts.INVITE_ALREADY_PAIRED.format(partner=found[1].first_name)
                        )
                    ]
                )
            token = await issue_invite(
                conn, inviter_id=who.id, kind="pair", now=self._now(), ttl=INVITE_TTL
            )
        link = deep_link(self.bot_username, token)
        out = Outcome(replies=[Message(who.id, texts.INVITE_CREATED.format(link=link))])
        if user.timezone is None:
            async with self.engine.begin() as conn:
                await self._set_awaiting(conn, who.id, AWAIT_TIMEZONE)
            out.replies.append(
                Message(who.id, texts.ASK_TIMEZONE_BEFORE_PAIR, self._zone_keyboard())
            )
        return out

    async def _open_invite(
        self, conn: AsyncConnection, user: Row[tuple[object, ...]], token: str
    ) -> Outcome:
        invite = (
            await conn.execute(select(invites).where(invites.c.token_hash == token_hash(token)))
        ).first()
        if invite is None:
            cohort = await self.cohorts.cohort_by_token(conn, token)
            if cohort is not None:
                return await self.cohorts.open_enrolment(conn, user, cohort)
        reply = self._invite_problem(invite, user)
        if reply is not None and invite is not None and invite.kind != "pair":
            reply = texts.FACILITATOR_LINK_USED  # a facilitator's link: no partner to ask
        if reply is None and invite is not None and invite.kind == "facilitator":
            return await self.cohorts.open_facilitator_invite(conn, user, invite)
        if reply is None and invite is not None and invite.kind == "cofacilitator":
            return await self.cohorts.open_cofacilitator_invite(conn, user, invite)
        if reply is None and invite is not None:
            found = await self._pair_of(conn, user)
            inviter = await self._user(conn, invite.inviter_id)
            if found is not None:
                reply = texts.INVITE_ALREADY_PAIRED.format(partner=found[1].first_name)
            elif inviter is None or inviter.pair_id is not None:
                reply = texts.INVITE_USED
            else:
                await conn.execute(
                    update(users).where(users.c.id == user.id).values(pending_invite_id=invite.id)
                )
                keyboard = (
                    (
                        Button(texts.INVITE_ACCEPT, cb.invite(invite.id, True)),
                        Button(texts.INVITE_DECLINE, cb.invite(invite.id, False)),
                    ),
                )
                text = texts.INVITE_OPENED.format(inviter=inviter.first_name)
                return Outcome(replies=[Message(user.id, text, keyboard)])
        return Outcome(replies=[Message(user.id, reply or texts.INVITE_INVALID)])

    def _invite_problem(
        self, invite: Row[tuple[object, ...]] | None, user: Row[tuple[object, ...]]
    ) -> str | None:
        if invite is None:
            return texts.INVITE_INVALID
        if invite.inviter_id == user.id:
            return texts.INVITE_OWN
        if invite.status != "open":
            return texts.INVITE_USED
        if invite.expires_at <= self._now():
            return texts.INVITE_EXPIRED
        return None

    async def respond_invite(self, who: UserInfo, invite_id: int, accept: bool) -> Outcome:
        """Accept or decline the invite with ``invite_id``. Only the user who opened that
        invite's link may answer it (the id in callback data is not trusted on its own)."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            invite = (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()
            if invite is not None and invite.used_by == who.id and invite.status == "accepted":
                return Outcome(toast=texts.INVITE_ALREADY_ACCEPTED, edit=Edit(None, ()))
            if invite is None and user.pending_invite_id == invite_id:
                # The inviter deleted their data meanwhile.
                return Outcome(replies=[Message(who.id, texts.INVITE_USED)], edit=Edit(None, ()))
            if invite is None or user.pending_invite_id != invite_id:
                return Outcome(toast=texts.INVITE_NOT_YOURS, edit=Edit(None, ()))
            problem = self._invite_problem(invite, user)
            if problem is not None:
                return Outcome(replies=[Message(who.id, problem)], edit=Edit(None, ()))
            found = await self._pair_of(conn, user)
            if found is not None:
                text = texts.INVITE_ALREADY_PAIRED.format(partner=found[1].first_name)
                return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))
            now = self._now()
            new_status = "accepted" if accept else "declined"
            claimed = await conn.execute(
                update(invites)
                .where(invites.c.id == invite_id, invites.c.status == "open")
                .values(status=new_status, used_by=who.id, used_at=now)
            )
            await conn.execute(
                update(users).where(users.c.id == who.id).values(pending_invite_id=None)
            )
            if claimed.rowcount != 1:
                return Outcome(replies=[Message(who.id, texts.INVITE_USED)], edit=Edit(None, ()))
            inviter = await self._user(conn, invite.inviter_id)
            assert inviter is not None
            if not accept:
                with self._speaking(inviter):
                    text = texts.INVITE_DECLINED_INVITER.format(name=user.first_name)
                await self._tell(conn, Message(inviter.id, text))
                return Outcome(
                    replies=[Message(who.id, texts.INVITE_DECLINED_YOU)], edit=Edit(None, ())
                )
            formed = await self._form_pair(conn, inviter, user)
            if invite.cohort_id is not None:
                await self.cohorts.after_pairing(conn, int(invite.cohort_id), inviter, user)
            return formed

    async def _form_pair(
        self,
        conn: AsyncConnection,
        inviter: Row[tuple[object, ...]],
        invitee: Row[tuple[object, ...]],
    ) -> Outcome:
        now = self._now()
        pair_id = (
            await conn.execute(
                insert(pairs)
                .values(
                    user_a=inviter.id,
                    user_b=invitee.id,
                    status="active",
                    timezone=self._zone(inviter),
                    frequency=Frequency.DAILY.value,
                    weekday=0,
                    time_of_day=DEFAULT_TIME.strftime("%H:%M"),
                    paused=False,
                    created_at=now,
                )
                .returning(pairs.c.id)
            )
        ).scalar_one()
        # Both must still be unpaired: a conditional update whose row count says so.
        linked = await conn.execute(
            update(users)
            .where(users.c.id.in_([inviter.id, invitee.id]), users.c.pair_id.is_(None))
            .values(pair_id=pair_id, updated_at=now)
        )
        if linked.rowcount != 2:
            raise _Abort(Outcome(replies=[Message(invitee.id, texts.INVITE_USED)]))
        await conn.execute(
            update(invites)
            .where(
                invites.c.inviter_id.in_([inviter.id, invitee.id]),
                invites.c.status == "open",
                invites.c.kind == "pair",
            )
            .values(status="revoked")
        )
        pair = (await conn.execute(select(pairs).where(pairs.c.id == pair_id))).one()
        await self._reschedule_pair(conn, pair)
        for me, other in ((inviter, invitee), (invitee, inviter)):
            nxt = await self._next_text(conn, pair, self._zone(me))
            with self._speaking(me):
                text = texts.PAIRED.format(
                    partner=other.first_name,
                    schedule=self._schedule_text(pair),
                    next=nxt,
                )
            await self._tell(conn, Message(me.id, text))
        if invitee.timezone is None:
            # Opened the link without /start first: ask now, so times show in their zone.
            await self._set_awaiting(conn, invitee.id, AWAIT_TIMEZONE)
            with self._speaking(invitee):
                message = Message(invitee.id, texts.ASK_TIMEZONE_AFTER_PAIR, self._zone_keyboard())
            await self._tell(conn, message)
        return Outcome(edit=Edit(None, ()), toast=texts.PAIRED_TOAST)

    async def ask_unpair(self, who: UserInfo) -> Outcome:
        """``/unpair``: ask for confirmation."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            found = await self._pair_of(conn, user)
        if found is None:
            return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
        keyboard = (
            (
                Button(texts.UNPAIR_YES, cb.confirm("unpair", True, int(found[0].id))),
                Button(texts.UNPAIR_NO, cb.confirm("unpair", False, int(found[0].id))),
            ),
        )
        text = texts.UNPAIR_CONFIRM.format(partner=found[1].first_name)
        return Outcome(replies=[Message(who.id, text, keyboard)])

    async def unpair(self, who: UserInfo, confirmed: bool, pair_id: int | None = None) -> Outcome:
        """End the user's pair (after confirmation). Open rounds close unrevealed; the partner
        is told. ``pair_id`` is the pair the confirmation was shown for: a button left over
        from an earlier pair ends nothing."""
        if not confirmed:
            return Outcome(replies=[Message(who.id, texts.KEPT)], edit=Edit(None, ()))
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            found = await self._pair_of(conn, user)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)], edit=Edit(None, ()))
            pair, partner = found
            if pair_id is not None and pair.id != pair_id:
                return Outcome(toast=texts.BUTTON_STALE, edit=Edit(None, ()))
            await self._end_pair(conn, pair)
            with self._speaking(partner):
                text = texts.UNPAIR_PARTNER.format(name=user.first_name)
            await self._tell(conn, Message(partner.id, text))
            text = texts.UNPAIR_DONE.format(partner=partner.first_name)
            return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))

    async def _end_pair(self, conn: AsyncConnection, pair: Row[tuple[object, ...]]) -> None:
        now = self._now()
        await conn.execute(
            update(pairs)
            .where(pairs.c.id == pair.id, pairs.c.status == "active")
            .values(status="ended", ended_at=now)
        )
        open_rounds = (
            (
                await conn.execute(
                    select(rounds.c.id).where(
                        rounds.c.pair_id == pair.id, rounds.c.status == "open"
                    )
                )
            )
            .scalars()
            .all()
        )
        await conn.execute(
            update(rounds)
            .where(rounds.c.pair_id == pair.id, rounds.c.status == "open")
            .values(status="cancelled", closed_at=now)
        )
        for round_id in open_rounds:
            await self._forget_round_work(conn, round_id)
        await conn.execute(
            update(users)
            .where(users.c.pair_id == pair.id)
            .values(pair_id=None, awaiting=None, updated_at=now)
        )
        await queues.cancel_due(conn, KIND_OPEN_ROUND, f"pair:{pair.id}")
        await queues.cancel_due(conn, KIND_OPEN_WEEKLY, f"pair:{pair.id}")
        await conn.execute(  # an ended pair leaves its program; facilitators see that it left
            update(cohort_pairs)
            .where(cohort_pairs.c.pair_id == pair.id, cohort_pairs.c.status == "enrolled")
            .values(status="left", left_at=now)
        )
        # A consent was given as this pair: a new pair is asked again.
        members = [m for m in (pair.user_a, pair.user_b) if m is not None]
        await conn.execute(delete(cohort_consents).where(cohort_consents.c.user_id.in_(members)))

    async def _forget_round_work(self, conn: AsyncConnection, round_id: int) -> None:
        await queues.cancel_due(conn, KIND_EXPIRE, f"round:{round_id}")
        await queues.cancel_due(conn, KIND_REMIND, f"round:{round_id}")
        marker = f"{_AWAIT_ANSWER}:{round_id}:%"
        await conn.execute(update(users).where(users.c.awaiting.like(marker)).values(awaiting=None))

    async def ask_delete(self, who: UserInfo) -> Outcome:
        """``/delete``: ask for confirmation before deleting the user's data."""
        keyboard = (
            (
                Button(texts.DELETE_YES, cb.confirm("delete", True)),
                Button(texts.DELETE_NO, cb.confirm("delete", False)),
            ),
        )
        return Outcome(replies=[Message(who.id, texts.DELETE_CONFIRM, keyboard)])

    async def delete_data(self, who: UserInfo, confirmed: bool) -> Outcome:
        """Delete everything stored about the user (privacy rule 4): their pair ends (the
        partner is told), their answers, invites, pending messages and user row go."""
        if not confirmed:
            return Outcome(replies=[Message(who.id, texts.KEPT)], edit=Edit(None, ()))
        async with self.engine.begin() as conn:
            user = await self._user(conn, who.id)
            if user is not None:
                found = await self._pair_of(conn, user)
                if found is not None:
                    pair, partner = found
                    await self._end_pair(conn, pair)
                    with self._speaking(partner):
                        text = texts.UNPAIR_PARTNER.format(name=user.first_name)
                    await self._tell(conn, Message(partner.id, text))
                await conn.execute(delete(answers).where(answers.c.user_id == who.id))
                await conn.execute(delete(exercise_picks).where(exercise_picks.c.user_id == who.id))
                for table in (cohort_consents, cohort_facilitators, cohort_drafts):
                    await conn.execute(delete(table).where(table.c.user_id == who.id))
                await conn.execute(delete(facilitators).where(facilitators.c.user_id == who.id))
                await conn.execute(
                    delete(invites).where(
                        or_(invites.c.inviter_id == who.id, invites.c.used_by == who.id)
                    )
                )
                await conn.execute(delete(outbox).where(outbox.c.user_id == who.id))
                await conn.execute(
                    update(pairs).where(pairs.c.user_a == who.id).values(user_a=None)
                )
                await conn.execute(
                    update(pairs).where(pairs.c.user_b == who.id).values(user_b=None)
                )
                await conn.execute(delete(users).where(users.c.id == who.id))
        return Outcome(replies=[Message(who.id, texts.DELETE_DONE)], edit=Edit(None, ()))

    # ------------------------------------------------------------------ activity (blocking)

    async def mark_inactive(self, user_id: int) -> bool:
        """The user blocked the bot (a ``Forbidden`` on send, or a ``my_chat_member`` update).

        Marks them inactive, drops their pending messages, stops the pair's schedule, and tells
        the partner once (the conditional update's row count decides "once"). Returns whether
        this call changed anything.
        """
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(users)
                .where(users.c.id == user_id, users.c.active.is_(True))
                .values(
                    active=False, awaiting=None, inactive_since=self._now(), updated_at=self._now()
                )
            )
            await conn.execute(delete(outbox).where(outbox.c.user_id == user_id))
            if changed.rowcount != 1:
                return False
            user = await self._user(conn, user_id)
            assert user is not None
            found = await self._pair_of(conn, user)
            if found is not None:
                pair, partner = found
                await self._reschedule_pair(conn, pair)
                if partner.active:
                    with self._speaking(partner):
                        text = texts.PARTNER_INACTIVE.format(name=user.first_name)
                    await self._tell(conn, Message(partner.id, text))
            logger.info("user %s marked inactive (blocked the bot)", user_id)
            return True

    async def _reactivate(self, conn: AsyncConnection, user: Row[tuple[object, ...]]) -> None:
        await conn.execute(
            update(users)
            .where(users.c.id == user.id)
            .values(active=True, inactive_since=None, updated_at=self._now())
        )
        fresh = await self._user(conn, user.id)
        assert fresh is not None
        found = await self._pair_of(conn, fresh)
        if found is None and user.inactive_since is not None:
            await self._tell_pair_ended_meanwhile(conn, fresh, user.inactive_since)
        if found is not None:
            pair, partner = found
            await self._reschedule_pair(conn, pair)
            if user.inactive_since is not None:
                # Reveals that could not reach them while they had blocked the bot.
                missed = (
                    await conn.execute(
                        select(rounds.c.id)
                        .where(
                            rounds.c.pair_id == pair.id,
                            rounds.c.status == "revealed",
                            rounds.c.closed_at >= user.inactive_since,
                        )
                        .order_by(rounds.c.id)
                    )
                ).scalars()
                for round_id in list(missed):
                    for message in await self._reveal_messages(conn, round_id, pair, [user.id]):
                        await self._tell(conn, message)
            for current in await self._open_rounds_of(conn, pair.id):
                for message in await self._unanswered_questions(conn, current, fresh):
                    await self._tell(conn, message)
            for message in await self.exercises.waiting_for(conn, pair, fresh):
                await self._tell(conn, message)
            if partner.active:
                nxt = await self._next_text(conn, pair, self._zone(partner))
                with self._speaking(partner):
                    text = texts.PARTNER_BACK.format(name=fresh.first_name, next=nxt)
                await self._tell(
                    conn,
                    Message(partner.id, text),
                )

    async def _tell_pair_ended_meanwhile(
        self, conn: AsyncConnection, user: Row[tuple[object, ...]], since: datetime
    ) -> None:
        """Tell a user back after blocking the bot that their partner ended the pair while
        they were away (that notice could not reach them then)."""
        ended = (
            await conn.execute(
                select(pairs)
                .where(
                    or_(pairs.c.user_a == user.id, pairs.c.user_b == user.id),
                    pairs.c.status == "ended",
                    pairs.c.ended_at >= since,
                )
                .order_by(pairs.c.ended_at.desc())
            )
        ).first()
        if ended is None:
            return
        other_id = ended.user_b if ended.user_a == user.id else ended.user_a
        other = await self._user(conn, int(other_id)) if other_id is not None else None
        with self._speaking(user):
            if other is not None:
                text = texts.PAIR_ENDED_MEANWHILE.format(name=other.first_name)
            else:
                text = texts.PAIR_ENDED_MEANWHILE_DELETED
        await self._tell(conn, Message(int(str(user.id)), text))

    # ------------------------------------------------------------------ schedule

    async def _paired(
        self, conn: AsyncConnection, who: UserInfo
    ) -> tuple[Row[tuple[object, ...]], Row[tuple[object, ...]], Row[tuple[object, ...]]] | None:
        user = await self._touch_user(conn, who)
        found = await self._pair_of(conn, user)
        if found is None:
            return None
        return user, found[0], found[1]

    async def show_settings(self, who: UserInfo, *, as_edit: bool = False) -> Outcome:
        """``/settings``: the schedule in both partners' local times, with buttons; warns when
        the pair's time falls in one partner's night (22:00–08:00)."""
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            text = await self._settings_text(conn, user, pair, partner)
        keyboard = self._settings_keyboard(pair)
        if as_edit:
            return Outcome(edit=Edit(text, keyboard))
        return Outcome(replies=[Message(who.id, text, keyboard)])

    async def _settings_text(
        self,
        conn: AsyncConnection,
        user: Row[tuple[object, ...]],
        pair: Row[tuple[object, ...]],
        partner: Row[tuple[object, ...]],
    ) -> str:
        cadence = self._cadence(pair)
        anchor = self._todays_slot(cadence)
        mine = local_time(anchor, self._zone(user)).strftime("%H:%M")
        theirs = local_time(anchor, self._zone(partner)).strftime("%H:%M")
        if not partner.active:
            status = texts.STATUS_ON_HOLD.format(name=partner.first_name)
        elif pair.paused:
            status = texts.STATUS_PAUSED
        elif cadence.frequency is Frequency.OFF and pair.weekly_weekday is not None:
            status = texts.STATUS_WEEKLY_ONLY
        elif cadence.frequency is Frequency.OFF:
            status = texts.STATUS_OFF
        else:
            status = texts.STATUS_ACTIVE
        text = texts.SETTINGS.format(
            partner=partner.first_name,
            schedule=self._schedule_text(pair),
            mine=mine,
            theirs=theirs,
            status=status,
            next=await self._next_text(conn, pair, self._zone(user)),
        )
        weekly = self._weekly_text(pair)
        if weekly is not None:
            text += "\n\u2022 " + texts.SCHEDULE_WEEKLY_DEEP.format(schedule=weekly)
        return text + self._night_warnings(user, pair, partner)

    def _todays_slot(self, cadence: Cadence) -> datetime:
        """The pair's wall time today (in the pair's zone), to show in each partner's zone."""
        today = local_time(self._now(), cadence.timezone).date()
        return datetime.combine(today, cadence.time_of_day, ZoneInfo(cadence.timezone))

    def _night_warnings(
        self,
        user: Row[tuple[object, ...]],
        pair: Row[tuple[object, ...]],
        partner: Row[tuple[object, ...]],
    ) -> str:
        """Warnings, for ``user``, when the pair's time falls in someone's night (22–08)."""
        cadence = self._cadence(pair)
        if cadence.frequency is Frequency.OFF:
            return ""
        anchor = self._todays_slot(cadence)
        text = ""
        for person, label in ((user, texts.NIGHT_YOU), (partner, None)):
            local = local_time(anchor, self._zone(person))
            if is_night(local.time()):
                who_name = label or str(person.first_name)
                text += texts.NIGHT_WARNING.format(local=local.strftime("%H:%M"), who=who_name)
        return text

    @staticmethod
    def _settings_keyboard(pair: Row[tuple[object, ...]]) -> Keyboard:
        pause = (
            Button(texts.BTN_RESUME, "s:resume")
            if pair.paused
            else Button(texts.BTN_PAUSE, "s:pause")
        )
        return (
            (
                Button(texts.BTN_DAILY, "f:daily"),
                Button(texts.BTN_WEEKDAYS, "f:weekdays"),
                Button(texts.BTN_WEEKLY, "f:weekly"),
                Button(texts.BTN_OFF, "f:off"),
            ),
            (Button(texts.BTN_TIME, "s:time"), Button(texts.BTN_TZ, "s:tz"), pause),
        )

    def ask_frequency(self, who: UserInfo) -> Outcome:
        """``/frequency`` without arguments: the choices as buttons."""
        keyboard = (
            (
                Button(texts.BTN_DAILY, "f:daily"),
                Button(texts.BTN_WEEKDAYS, "f:weekdays"),
            ),
            (Button(texts.BTN_WEEKLY, "f:weekly"), Button(texts.BTN_OFF, "f:off")),
        )
        return Outcome(replies=[Message(who.id, texts.FREQUENCY_ASK, keyboard)])

    def ask_weekday(self, who: UserInfo) -> Outcome:
        """The weekday choice for a weekly schedule."""
        days = [Button(name[:3], f"wd:{i}") for i, name in enumerate(texts.WEEKDAYS)]
        keyboard = (tuple(days[:4]), tuple(days[4:]))
        return Outcome(edit=Edit(texts.WEEKDAY_ASK, keyboard))

    async def set_frequency_text(self, who: UserInfo, args: Sequence[str]) -> Outcome:
        """``/frequency daily|weekdays|weekly <day>|off``."""
        words = [a.lower() for a in args]
        if not words:
            return self.ask_frequency(who)
        freq = words[0]
        if freq in ("daily", "weekdays", "off"):
            return await self.change_schedule(who, frequency=Frequency(freq))
        if freq == "weekly":
            if len(words) == 2:
                day = _parse_weekday(words[1])
                if day is not None:
                    return await self.change_schedule(who, frequency=Frequency.WEEKLY, weekday=day)
            keyboard = self.ask_weekday(who).edit
            assert keyboard is not None
            return Outcome(replies=[Message(who.id, texts.WEEKDAY_ASK, keyboard.buttons)])
        return Outcome(replies=[Message(who.id, texts.FREQUENCY_UNKNOWN)])

    async def ask_time(self, who: UserInfo) -> Outcome:
        """``/time`` without an argument: the next text message is the new time."""
        async with self.engine.begin() as conn:
            if await self._paired(conn, who) is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            await self._set_awaiting(conn, who.id, AWAIT_TIME)
        return Outcome(replies=[Message(who.id, texts.TIME_ASK)])

    async def set_time_text(self, who: UserInfo, text: str) -> Outcome:
        """``/time HH:MM`` (also ``8pm``): a friendly reply for anything unparseable."""
        try:
            at = parse_time_of_day(text)
        except TimeOfDayError as exc:
            return Outcome(replies=[Message(who.id, texts.TIME_REASONS[exc.reason.value])])
        return await self.change_schedule(who, time_of_day=at)

    async def change_schedule(
        self,
        who: UserInfo,
        *,
        frequency: Frequency | None = None,
        weekday: int | None = None,
        time_of_day: time | None = None,
        timezone: str | None = None,
        paused: bool | None = None,
        as_edit: bool = False,
    ) -> Outcome:
        """Change the pair's schedule (either partner may); both are told, each in their own
        timezone. The next round opening moves at once."""
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            if paused is True and pair.paused:
                return Outcome(replies=[Message(who.id, texts.ALREADY_PAUSED)])
            if paused is False and not pair.paused:
                nxt = await self._next_text(conn, pair, self._zone(user))
                return Outcome(replies=[Message(who.id, texts.NOT_PAUSED.format(next=nxt))])
            values: dict[str, object] = {}
            if frequency is not None:
                values["frequency"] = frequency.value
            if weekday is not None:
                values["weekday"] = weekday
            if time_of_day is not None:
                values["time_of_day"] = time_of_day.strftime("%H:%M")
            if timezone is not None:
                values["timezone"] = timezone
            if paused is not None:
                values["paused"] = paused
            if user.awaiting == AWAIT_TIME:
                await self._set_awaiting(conn, who.id, None)
            if all(pair._mapping[key] == value for key, value in values.items()):
                settings = await self._settings_text(conn, user, pair, partner)
                if as_edit:
                    return Outcome(
                        toast=texts.NOTHING_CHANGED,
                        edit=Edit(settings, self._settings_keyboard(pair)),
                    )
                nxt = await self._next_text(conn, pair, self._zone(user))
                text = texts.SCHEDULE_UNCHANGED.format(schedule=self._schedule_text(pair), next=nxt)
                return Outcome(replies=[Message(who.id, text)])
            await conn.execute(update(pairs).where(pairs.c.id == pair.id).values(**values))
            pair = (await conn.execute(select(pairs).where(pairs.c.id == pair.id))).one()
            await self._reschedule_pair(conn, pair)
            schedule = self._schedule_text(pair)
            mine = await self._next_text(conn, pair, self._zone(user))
            with self._speaking(partner):
                theirs = await self._next_text(conn, pair, self._zone(partner))
            if paused is True:
                you = texts.PAUSED_YOU
            elif paused is False:
                you = texts.RESUMED_YOU.format(next=mine)
            else:
                you = texts.SCHEDULE_CHANGED_YOU.format(schedule=schedule, next=mine)
            with self._speaking(partner):
                if paused is True:
                    them = texts.PAUSED_PARTNER.format(name=user.first_name)
                elif paused is False:
                    them = texts.RESUMED_PARTNER.format(name=user.first_name, next=theirs)
                else:
                    them = texts.SCHEDULE_CHANGED_PARTNER.format(
                        name=user.first_name, schedule=self._schedule_text(pair), next=theirs
                    )
                if paused is None:
                    them += self._night_warnings(partner, pair, user)
            if paused is None:
                you += self._night_warnings(user, pair, partner)
            if partner.active:
                await self._tell(conn, Message(partner.id, them))
            if as_edit:
                settings = await self._settings_text(conn, user, pair, partner)
                return Outcome(edit=Edit(settings, self._settings_keyboard(pair)), toast=you[:190])
            return Outcome(replies=[Message(who.id, you)])

    # ------------------------------------------------------------------ weekly round, focus

    def _weekly_text(self, pair: Row[tuple[object, ...]]) -> str | None:
        cadence = self._weekly_cadence(pair)
        if cadence is None:
            return None
        return texts.SCHEDULE_WEEKLY.format(
            day=texts.WEEKDAYS[cadence.weekday],
            time=cadence.time_of_day.strftime("%H:%M"),
            zone=cadence.timezone,
        )

    @staticmethod
    def _weekly_keyboard(pair: Row[tuple[object, ...]]) -> Keyboard:
        days = [
            Button(("\u2713 " if pair.weekly_weekday == i else "") + name[:3], cb.weekly(i))
            for i, name in enumerate(texts.WEEKDAYS)
        ]
        rows: list[tuple[Button, ...]] = [tuple(days[:4]), tuple(days[4:])]
        if pair.weekly_weekday is not None:
            rows.append((Button(texts.BTN_OFF, cb.weekly(None)),))
        return tuple(rows)

    async def weekly(self, who: UserInfo, args: Sequence[str]) -> Outcome:
        """``/weekly``: show the weekly deeper round with day buttons; ``/weekly sun``,
        ``/weekly sun 10:00`` (the pair's timezone; default: the daily check-in time) or
        ``/weekly off`` set it. Unreadable arguments get a reply that shows the forms."""
        words = [a.lower() for a in args]
        if not words:
            async with self.engine.begin() as conn:
                found = await self._paired(conn, who)
                if found is None:
                    return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
                user, pair, _partner = found
                due = await queues.due_at_of(conn, KIND_OPEN_WEEKLY, f"pair:{pair.id}")
            schedule = self._weekly_text(pair)
            if schedule is None:
                text = texts.WEEKLY_STATUS_OFF
            else:
                cadence = self._weekly_cadence(pair)
                assert cadence is not None
                nxt = (
                    texts.NEXT_NONE
                    if due is None
                    else texts.NEXT_AT.format(when=self._fmt_local(due, self._zone(user)))
                )
                text = (
                    texts.WEEKLY_STATUS_ON.format(
                        day=texts.WEEKDAYS[cadence.weekday],
                        time=cadence.time_of_day.strftime("%H:%M"),
                        zone=cadence.timezone,
                        next=nxt,
                    )
                    + "\n\n"
                    + texts.WEEKLY_CHANGE
                )
            return Outcome(replies=[Message(who.id, text, self._weekly_keyboard(pair))])
        if words[0] == "off" and len(words) == 1:
            return await self.set_weekly(who, None)
        day = _parse_weekday(words[0])
        if day is None:
            return Outcome(replies=[Message(who.id, texts.WEEKLY_UNKNOWN)])
        at = None
        if len(words) > 1:
            try:
                at = parse_time_of_day(" ".join(words[1:]))
            except TimeOfDayError as exc:
                return Outcome(replies=[Message(who.id, texts.TIME_REASONS[exc.reason.value])])
        return await self.set_weekly(who, day, at)

    async def set_weekly(
        self, who: UserInfo, weekday: int | None, at: time | None = None, *, as_edit: bool = False
    ) -> Outcome:
        """Set (or with ``weekday`` None, turn off) the pair's weekly deeper round; both
        partners are told, each with the next opening in their own timezone."""
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            if weekday is None and pair.weekly_weekday is None:
                reply = Message(who.id, texts.WEEKLY_ALREADY_OFF)
                return Outcome(
                    toast=texts.NOTHING_CHANGED,
                    edit=Edit(None, ()) if as_edit else None,
                    replies=[] if as_edit else [reply],
                )
            values: dict[str, object] = {"weekly_weekday": weekday, "weekly_time": None}
            if weekday is not None:
                values["weekly_time"] = (at.strftime("%H:%M") if at else None) or (
                    pair.weekly_time or pair.time_of_day
                )
            if all(pair._mapping[key] == value for key, value in values.items()):
                reply = Message(who.id, texts.WEEKLY_UNCHANGED)
                return Outcome(
                    toast=texts.NOTHING_CHANGED,
                    replies=[] if as_edit else [reply],
                )
            await conn.execute(update(pairs).where(pairs.c.id == pair.id).values(**values))
            pair = (await conn.execute(select(pairs).where(pairs.c.id == pair.id))).one()
            await self._reschedule_pair(conn, pair)
            due = await queues.due_at_of(conn, KIND_OPEN_WEEKLY, f"pair:{pair.id}")
            you = self._weekly_changed(pair, user, None, due)
            with self._speaking(partner):
                them = self._weekly_changed(pair, partner, str(user.first_name), due)
            if partner.active:
                await self._tell(conn, Message(partner.id, them))
        if as_edit:
            return Outcome(replies=[Message(who.id, you)], edit=Edit(None, ()))
        return Outcome(replies=[Message(who.id, you)])

    def _weekly_changed(
        self,
        pair: Row[tuple[object, ...]],
        reader: Row[tuple[object, ...]],
        changed_by: str | None,
        due: datetime | None,
    ) -> str:
        """What changed about the weekly round, for ``reader`` (who changed it: None = them)."""
        cadence = self._weekly_cadence(pair)
        if cadence is None:
            if changed_by is None:
                return texts.WEEKLY_OFF_YOU
            return texts.WEEKLY_OFF_PARTNER.format(name=changed_by)
        nxt = (
            texts.NEXT_NONE
            if due is None
            else texts.NEXT_AT.format(when=self._fmt_local(due, self._zone(reader)))
        )
        fields = {
            "day": texts.WEEKDAYS[cadence.weekday],
            "time": cadence.time_of_day.strftime("%H:%M"),
            "zone": cadence.timezone,
            "next": nxt,
        }
        if changed_by is None:
            return texts.WEEKLY_SET_YOU.format(**fields)
        return texts.WEEKLY_SET_PARTNER.format(name=changed_by, **fields)

    def _focus_text(self, focus: set[Dimension]) -> str:
        if not focus:
            return texts.FOCUS_NONE
        return ", ".join(tr(d.label) for d in Dimension if d in focus)

    def _focus_keyboard(self, focus: set[Dimension]) -> Keyboard:
        buttons = [
            Button(("\u2713 " if d in focus else "") + tr(d.label), cb.focus(d.value))
            for d in Dimension
        ]
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        return (*rows, (Button(texts.BTN_CLEAR, cb.focus("clear")),))

    async def focus(self, who: UserInfo, args: Sequence[str]) -> Outcome:
        """``/focus``: show the pair's focus with toggle buttons; ``/focus trust boundaries``
        sets it (dimension names or the start of their labels, up to four); ``/focus clear``
        clears it. An unknown name gets the list of topics and changes nothing."""
        words = [a.lower().strip(",") for a in args if a.strip(",")]
        if not words:
            async with self.engine.begin() as conn:
                found = await self._paired(conn, who)
                if found is None:
                    return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
                focus = _focus_of(found[1])
            text = texts.FOCUS_STATUS.format(focus=self._focus_text(focus), max=MAX_FOCUS)
            return Outcome(replies=[Message(who.id, text, self._focus_keyboard(focus))])
        if words == ["clear"] or words == ["none"]:
            return await self._set_focus(who, set())
        chosen: set[Dimension] = set()
        for word in words:
            dimension = _parse_dimension(word)
            if dimension is None:
                topics = ", ".join(d.value for d in Dimension)
                shown = word if len(word) <= 40 else word[:40] + "\u2026"
                return Outcome(
                    replies=[Message(who.id, texts.FOCUS_UNKNOWN.format(word=shown, topics=topics))]
                )
            chosen.add(dimension)
        if len(chosen) > MAX_FOCUS:
            return Outcome(replies=[Message(who.id, texts.FOCUS_TOO_MANY.format(max=MAX_FOCUS))])
        return await self._set_focus(who, chosen)

    async def toggle_focus(self, who: UserInfo, value: str) -> Outcome:
        """A focus button: toggle one dimension (by value) or ``clear``; edits the message."""
        if value == "clear":
            return await self._set_focus(who, set(), as_edit=True)
        try:
            dimension = Dimension(value)
        except ValueError:
            return Outcome(toast=texts.BUTTON_STALE)
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(toast=texts.NOT_PAIRED)
            focus = _focus_of(found[1])
        focus ^= {dimension}
        if len(focus) > MAX_FOCUS:
            return Outcome(toast=texts.FOCUS_TOO_MANY.format(max=MAX_FOCUS))
        return await self._set_focus(who, focus, as_edit=True)

    async def _set_focus(
        self, who: UserInfo, focus: set[Dimension], *, as_edit: bool = False
    ) -> Outcome:
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            value = ",".join(d.value for d in Dimension if d in focus) or None
            if value == pair.focus:
                text = texts.FOCUS_STATUS.format(focus=self._focus_text(focus), max=MAX_FOCUS)
                if as_edit:
                    return Outcome(toast=texts.NOTHING_CHANGED)
                return Outcome(replies=[Message(who.id, text, self._focus_keyboard(focus))])
            await conn.execute(update(pairs).where(pairs.c.id == pair.id).values(focus=value))
            shown = self._focus_text(focus)
            you = texts.FOCUS_SET_YOU.format(focus=shown) if focus else texts.FOCUS_CLEARED_YOU
            with self._speaking(partner):
                if focus:
                    them = texts.FOCUS_SET_PARTNER.format(
                        name=user.first_name, focus=self._focus_text(focus)
                    )
                else:
                    them = texts.FOCUS_CLEARED_PARTNER.format(name=user.first_name)
            if partner.active:
                await self._tell(conn, Message(partner.id, them))
        if as_edit:
            text = texts.FOCUS_STATUS.format(focus=shown, max=MAX_FOCUS)
            return Outcome(toast=you[:190], edit=Edit(text, self._focus_keyboard(focus)))
        return Outcome(replies=[Message(who.id, you)])

    async def ask_pair_timezone(self, who: UserInfo) -> Outcome:
        """The choice of whose timezone the schedule follows."""
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, _pair, partner = found
        rows: list[tuple[Button, ...]] = [
            (Button(texts.PAIR_TZ_MINE.format(zone=self._zone(user)), "ptz:me"),)
        ]
        if self._zone(partner) != self._zone(user):
            label = texts.PAIR_TZ_PARTNER.format(
                partner=partner.first_name, zone=self._zone(partner)
            )
            rows.append((Button(label, "ptz:partner"),))
            return Outcome(edit=Edit(texts.PAIR_TZ_ASK, tuple(rows)))
        hint = texts.PAIR_TZ_SAME.format(zone=self._zone(user))
        return Outcome(edit=Edit(hint, tuple(rows)))

    async def set_pair_timezone(self, who: UserInfo, whose: str) -> Outcome:
        """Make the schedule follow this user's ("me") or their partner's timezone."""
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, _pair, partner = found
            zone = self._zone(user if whose == "me" else partner)
        result = await self.change_schedule(who, timezone=zone)
        result.edit = Edit(None, ())
        return result

    # ------------------------------------------------------------------ rounds

    async def checkin(self, who: UserInfo) -> Outcome:
        """``/checkin``: open a round now if none is open; at most three a day (in the pair's
        timezone) so check-ins cannot become a way to press a partner."""
        async with self.engine.begin() as conn:
            found = await self._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            if not partner.active:
                text = texts.CHECKIN_ON_HOLD.format(name=partner.first_name)
                return Outcome(replies=[Message(who.id, text)])
            # A weekly round runs in its own lane: /checkin only waits for a daily or check-in one.
            light = await self._open_round_of(conn, pair.id)
            if light is not None:
                again = await self._unanswered_questions(conn, light, user)
                if not again:
                    return Outcome(replies=[Message(who.id, texts.CHECKIN_OPEN_ANSWERED)])
                return Outcome(replies=[Message(who.id, texts.CHECKIN_OPEN_ALREADY), *again])
            now = self._now()
            zone = str(pair.timezone)
            local_midnight = datetime.combine(local_time(now, zone).date(), time(0), ZoneInfo(zone))
            today = (
                await conn.execute(
                    select(func.count())
                    .select_from(rounds)
                    .where(
                        rounds.c.pair_id == pair.id,
                        rounds.c.origin == "checkin",
                        rounds.c.opened_at >= local_midnight,
                    )
                )
            ).scalar_one()
            if today >= MAX_CHECKINS_PER_DAY:
                due = await queues.due_at_of(conn, KIND_OPEN_ROUND, f"pair:{pair.id}")
                if due is None:
                    text = texts.CHECKIN_LIMIT_UNSCHEDULED.format(n=today)
                else:
                    nxt = await self._next_text(conn, pair, self._zone(user))
                    text = texts.CHECKIN_LIMIT.format(n=today, next=nxt)
                return Outcome(replies=[Message(who.id, text)])
            await self._open_round(
                conn, pair, origin="checkin", expires_at=now + CHECKIN_TTL, starter=user
            )
        return Outcome()

    async def _open_rounds_of(
        self, conn: AsyncConnection, pair_id: int
    ) -> Sequence[Row[tuple[object, ...]]]:
        """The pair's open rounds, oldest first: at most one per lane (see :func:`_lane`)."""
        return (
            await conn.execute(
                select(rounds)
                .where(rounds.c.pair_id == pair_id, rounds.c.status == "open")
                .order_by(rounds.c.id)
            )
        ).all()

    async def _open_round_of(
        self, conn: AsyncConnection, pair_id: int, lane: str = ROUND_LIGHT
    ) -> Row[tuple[object, ...]] | None:
        """The pair's open round in ``lane``: daily, check-in and follow-up rounds share the
        light lane; the weekly round has its own, so neither cuts the other short."""
        for round_ in await self._open_rounds_of(conn, pair_id):
            if _lane(str(round_.kind)) == lane:
                return round_
        return None

    async def _choose_questions(
        self, conn: AsyncConnection, pair: Row[tuple[object, ...]], kind: str
    ) -> list[Question]:
        """The questions for a new round of ``kind``: one light question for a daily round,
        three deep ones (needs, boundaries, relationship health) for a weekly round.

        Each comes from those the pair has been asked least often, so nothing repeats until
        the bank is exhausted; the pair's focus dimensions weigh three times as much in the
        draw, so rotation still reaches every dimension.
        """
        counts: dict[str, int] = dict(
            (
                await conn.execute(
                    select(round_questions.c.question_id, func.count())
                    .join(rounds, rounds.c.id == round_questions.c.round_id)
                    .where(rounds.c.pair_id == pair.id)
                    .group_by(round_questions.c.question_id)
                )
            ).all()
        )
        focus = _focus_of(pair)

        def draw(bank: list[Question]) -> Question:
            least = min(counts.get(q.id, 0) for q in bank)
            candidates = [q for q in bank if counts.get(q.id, 0) == least]
            weighted = [
                q for q in candidates for _ in range(FOCUS_WEIGHT if q.dimension in focus else 1)
            ]
            return self._pick(weighted)

        if kind == ROUND_DEEP:
            deep = self.content.questions_of(Depth.DEEP)
            parts = [[q for q in deep if q.dimension.weekly_slot is slot] for slot in WeeklySlot]
            return [draw(part) for part in parts if part]  # the loader ensures all three
        return [draw(self.content.questions_of(Depth.LIGHT))]

    async def _open_round(
        self,
        conn: AsyncConnection,
        pair: Row[tuple[object, ...]],
        *,
        origin: str,
        expires_at: datetime,
        starter: Row[tuple[object, ...]] | None = None,
        kind: str = ROUND_LIGHT,
        questions: Sequence[Question] | None = None,
        offer_id: int | None = None,
        cohort_id: int | None = None,
        cohort_week: int | None = None,
    ) -> int:
        """Open a round for the pair now: close any open one as expired, pick the question(s)
        (``questions`` overrides the choice), send them to both partners at once (through the
        outbox), and schedule the expiry and each partner's reminder. A follow-up waiting for
        the pair (``offer_id``, or the pair's pending one) rides along as the last question.
        Returns the round id."""
        now = self._now()
        previous = await self._open_round_of(conn, pair.id, _lane(kind))
        if previous is not None:
            await self._expire_round(conn, previous.id)
        if questions is None:
            questions = await self._choose_questions(conn, pair, kind)
        if offer_id is None and pair.followup_offer_id is not None and _lane(kind) == ROUND_LIGHT:
            offer_id = int(pair.followup_offer_id)
            extra = await self.exercises.take_followup(conn, pair, offer_id)
            questions = [*questions, extra] if extra is not None else questions
            offer_id = offer_id if extra is not None else None
        followup_title = (
            await self.exercises.chosen_title(conn, offer_id) if offer_id is not None else None
        )
        round_id = (
            await conn.execute(
                insert(rounds)
                .values(
                    pair_id=pair.id,
                    origin=origin,
                    kind=kind,
                    offer_id=offer_id,
                    cohort_id=cohort_id,
                    cohort_week=cohort_week,
                    status="open",
                    opened_at=now,
                    expires_at=expires_at,
                    version=0,
                )
                .returning(rounds.c.id)
            )
        ).scalar_one()
        for position, question in enumerate(questions):
            await conn.execute(
                insert(round_questions).values(
                    round_id=round_id, position=position, question_id=question.id
                )
            )
        await queues.schedule_due(conn, KIND_EXPIRE, f"round:{round_id}", expires_at, now)
        members = (
            await conn.execute(select(users).where(users.c.id.in_([pair.user_a, pair.user_b])))
        ).all()
        for member in members:
            with self._speaking(member):
                await self._send_round(
                    conn, member, round_id, questions, expires_at, kind, starter, followup_title
                )
            zone = self._zone(member)
            first_open = next((i for i, q in enumerate(questions) if q.kind == "open"), None)
            # The newest open question in view takes the next text, unless a time or timezone
            # prompt is pending (a reminder-time prompt or an older question yields to it).
            yields = member.awaiting is None or not str(member.awaiting).startswith(
                (AWAIT_TIME, AWAIT_TIMEZONE)
            )
            if first_open is not None and yields:
                await self._set_awaiting(
                    conn, member.id, f"{_AWAIT_ANSWER}:{round_id}:{first_open}"
                )
            remind_at = reminder_instant(now, expires_at, zone)
            if remind_at is not None:
                await queues.schedule_due(
                    conn, KIND_REMIND, f"round:{round_id}:{member.id}", remind_at, now
                )
        return int(round_id)

    async def _send_round(
        self,
        conn: AsyncConnection,
        member: Row[tuple[object, ...]],
        round_id: int,
        questions: Sequence[Question],
        expires_at: datetime,
        kind: str,
        starter: Row[tuple[object, ...]] | None,
        followup_title: str | None,
    ) -> None:
        """Queue a new round's question messages for one partner (in their language);
        ``followup_title`` (a message id) names the exercise a follow-up question asks about."""
        zone = self._zone(member)
        prefix = ""
        if kind == ROUND_DEEP:
            prefix = texts.WEEKLY_INTRO.format(n=len(questions)) + "\n\n"
        if starter is not None and starter.id != member.id:
            prefix = texts.CHECKIN_STARTED_BY.format(name=starter.first_name) + "\n\n"
        for position, question in enumerate(questions):
            text, keyboard = self._question_message(
                round_id,
                position,
                question,
                expires_at,
                zone,
                total=len(questions),
                followup_title=followup_title,
            )
            await self._tell(conn, Message(member.id, prefix + text, keyboard))
            prefix = ""

    async def _followup_title(self, conn: AsyncConnection, round_id: int) -> str | None:
        """The title (a message id) of the exercise a round's follow-up question is about."""
        offer_id = (
            await conn.execute(select(rounds.c.offer_id).where(rounds.c.id == round_id))
        ).scalar_one_or_none()
        if offer_id is None:
            return None
        return await self.exercises.chosen_title(conn, int(offer_id))

    async def _round_answers(
        self, conn: AsyncConnection, round_id: int
    ) -> tuple[
        Sequence[Row[tuple[object, ...]]], dict[tuple[object, object], Row[tuple[object, ...]]]
    ]:
        """A round's questions (by position) and its answers by (position, user id). Only for
        revealed rounds, or inside the transaction that decides a reveal (privacy rule 1)."""
        asked = (
            await conn.execute(
                select(round_questions)
                .where(round_questions.c.round_id == round_id)
                .order_by(round_questions.c.position)
            )
        ).all()
        given = {
            (a.position, a.user_id): a
            for a in (
                await conn.execute(select(answers).where(answers.c.round_id == round_id))
            ).all()
        }
        return asked, given

    def _question(self, question_id: str) -> Question:
        """The question a round asked: from the bank, or a built-in follow-up question."""
        found = self.content.questions.get(question_id)
        if found is not None:
            return found
        return followup_question(question_id)

    def _question_message(
        self,
        round_id: int,
        position: int,
        question: Question,
        expires_at: datetime,
        zone: str,
        chosen: str | None = None,
        total: int = 1,
        followup_title: str | None = None,
    ) -> tuple[str, Keyboard]:
        """A question as sent (header, text, how to answer, closing time in ``zone``) and its
        buttons; a follow-up question names its exercise (``followup_title``, a msgid)."""
        parts = []
        if question.id.startswith(FOLLOWUP_PREFIX):
            parts.append(texts.FOLLOWUP_HEADER)
            if followup_title is not None:
                parts.append(texts.FOLLOWUP_INTRO.format(title=tr(followup_title)))
        elif total > 1:
            parts.append(
                texts.ROUND_HEADER_OF.format(
                    n=position + 1, total=total, dimension=tr(question.dimension.label)
                )
            )
        else:
            parts.append(texts.ROUND_HEADER.format(dimension=tr(question.dimension.label)))
        parts.append(tr(question.text))
        if question.kind == "scale" and question.scale is not None:
            parts.append(
                texts.SCALE_HINT.format(low=tr(question.scale.low), high=tr(question.scale.high))
            )
        if question.kind == "open":
            parts.append(texts.OPEN_HINT)
        parts.append(texts.ROUND_FOOTER.format(until=self._fmt_local(expires_at, zone)))
        return "\n\n".join(parts), self._answer_keyboard(round_id, position, question, chosen)

    @staticmethod
    def _answer_keyboard(
        round_id: int, position: int, question: Question, chosen: str | None = None
    ) -> Keyboard:
        def mark(label: str, value: str) -> str:
            return f"\u2713 {label}" if value == chosen else label

        skip = (Button(mark(texts.BTN_SKIP, cb.SKIP), cb.answer(round_id, position, cb.SKIP)),)
        if question.kind == "scale":
            row = tuple(
                Button(mark(str(v), str(v)), cb.answer(round_id, position, str(v)))
                for v in range(1, 6)
            )
            return (row, skip)
        if question.kind == "choice":
            rows = tuple(
                (Button(mark(tr(o.label), o.id), cb.answer(round_id, position, o.id)),)
                for o in question.options
            )
            return (*rows, skip)
        if question.kind == "wants":
            row = tuple(
                Button(mark(texts.WANTS_LABELS[v], v), cb.answer(round_id, position, v))
                for v in WANTS_VALUES
            )
            return (row, skip)
        return ((Button(texts.BTN_WRITE, cb.write(round_id, position)),), skip)

    def _display(self, question: Question, value: str | None, skipped: bool) -> str:
        if skipped or value is None:
            return texts.PASSED
        if question.kind == "scale":
            return texts.SCALE_VALUE.format(value=value)
        if question.kind == "choice":
            return tr(question.option_label(value) or value)
        if question.kind == "wants":
            return texts.WANTS_LABELS.get(value, value)
        return value

    # ------------------------------------------------------------------ answers and reveal

    async def answer(self, who: UserInfo, round_id: int, position: int, value: str) -> Outcome:
        """Record a button answer (scale digit, option id, or ``SKIP``) for a round position.

        Checks that the sender belongs to the round's pair, that the round is open and that
        the value fits the question; otherwise replies without touching anything.
        """
        return await self._record(who, round_id, position, value, from_button=True)

    async def _record(
        self, who: UserInfo, round_id: int, position: int, value: str, *, from_button: bool
    ) -> Outcome:
        try:
            async with self.engine.begin() as conn:
                return await self._record_in(conn, who, round_id, position, value, from_button)
        except _Abort as abort:
            return abort.outcome

    async def _record_in(
        self,
        conn: AsyncConnection,
        who: UserInfo,
        round_id: int,
        position: int,
        value: str,
        from_button: bool,
    ) -> Outcome:
        user = await self._touch_user(conn, who)
        round_ = (await conn.execute(select(rounds).where(rounds.c.id == round_id))).first()
        if round_ is not None and user.pair_id != round_.pair_id and from_button:
            was_member = (
                await conn.execute(
                    select(pairs.c.id).where(
                        pairs.c.id == round_.pair_id,
                        or_(pairs.c.user_a == who.id, pairs.c.user_b == who.id),
                    )
                )
            ).first()
            if was_member is not None:  # their own old round, from a pair that has ended
                return Outcome(toast=texts.ROUND_CLOSED, edit=Edit(None, ()))
        if round_ is None or user.pair_id != round_.pair_id:
            # Unknown round, or another pair's: same reply either way, nothing revealed.
            if not from_button:
                await self._set_awaiting(conn, who.id, None)
            return Outcome(
                toast=texts.BUTTON_NOT_YOURS if from_button else None,
                replies=[] if from_button else [Message(who.id, texts.NOTHING_WAITING)],
            )
        # Serialise answers to this round (a row lock on PostgreSQL; SQLite already
        # serialises writers) and learn in the same statement whether it is still open and
        # within its time: an answer after the closing time (the expiry not yet run, e.g. the
        # bot was down) must not reveal anything (DESIGN.md, a round's life, step 7).
        bumped = await conn.execute(
            update(rounds)
            .where(
                rounds.c.id == round_id,
                rounds.c.status == "open",
                rounds.c.expires_at > self._now(),
            )
            .values(version=rounds.c.version + 1)
        )
        if bumped.rowcount != 1:
            if round_.status == "open":
                await self._expire_round(conn, round_id)  # past its closing time
            text = texts.ROUND_REVEALED if round_.status == "revealed" else texts.ROUND_CLOSED
            await self._clear_awaiting_for(conn, who.id, round_id)
            return Outcome(
                toast=text if from_button else None,
                replies=[] if from_button else [Message(who.id, text)],
                edit=Edit(None, ()) if from_button else None,
            )
        qrow = (
            await conn.execute(
                select(round_questions.c.question_id).where(
                    round_questions.c.round_id == round_id, round_questions.c.position == position
                )
            )
        ).first()
        if qrow is None:
            return Outcome(toast=texts.BUTTON_STALE)
        question = self._question(qrow.question_id)
        skipped = value == cb.SKIP and from_button
        if not skipped and not _valid_value(question, value, from_button):
            return Outcome(toast=texts.BUTTON_STALE)
        stored = None if skipped else value
        now = self._now()
        previous = (
            await conn.execute(
                select(answers.c.value, answers.c.skipped).where(
                    answers.c.round_id == round_id,
                    answers.c.position == position,
                    answers.c.user_id == who.id,
                )
            )
        ).first()
        complete_before = await self._is_complete(conn, round_id, who.id)
        if previous is None:
            await conn.execute(
                insert(answers).values(
                    round_id=round_id,
                    position=position,
                    user_id=who.id,
                    value=stored,
                    skipped=skipped,
                    answered_at=now,
                    updated_at=now,
                )
            )
        else:
            await conn.execute(
                update(answers)
                .where(
                    answers.c.round_id == round_id,
                    answers.c.position == position,
                    answers.c.user_id == who.id,
                )
                .values(value=stored, skipped=skipped, updated_at=now)
            )
        await self._clear_awaiting_for(conn, who.id, round_id)
        pair = (await conn.execute(select(pairs).where(pairs.c.id == round_.pair_id))).one()
        partner_id = int(pair.user_b if pair.user_a == who.id else pair.user_a)
        partner = await self._user(conn, partner_id)
        assert partner is not None
        chosen = cb.SKIP if skipped else stored
        edit = Edit(None, self._answer_keyboard(round_id, position, question, chosen))
        complete_now = await self._is_complete(conn, round_id, who.id)
        if complete_now and await self._is_complete(conn, round_id, partner_id):
            await self._reveal(conn, round_id)
            return Outcome(toast=texts.ANSWER_TOAST, edit=Edit(None, ()))
        shown = self._display(question, stored, skipped)
        if len(shown) > ACK_ECHO_CHARS:
            shown = shown[:ACK_ECHO_CHARS].rstrip() + "\u2026"
        left = await self._left_to_answer(conn, round_id, who.id)
        if left > 0:
            ack = texts.count("ANSWER_SAVED_MORE_N", left, position=position + 1, answer=shown)
        elif skipped:
            ack = texts.ANSWER_SAVED_SKIP.format(partner=partner.first_name)
        else:
            ack = texts.ANSWER_SAVED.format(answer=shown, partner=partner.first_name)
        if complete_now and not complete_before:
            with self._speaking(partner):
                text = texts.ANSWER_WAITING.format(name=user.first_name)
            await self._tell(conn, Message(partner_id, text))
        return Outcome(replies=[Message(who.id, ack)], toast=texts.ANSWER_TOAST, edit=edit)

    async def _clear_awaiting_for(self, conn: AsyncConnection, user_id: int, round_id: int) -> None:
        await conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.awaiting.like(f"{_AWAIT_ANSWER}:{round_id}:%"))
            .values(awaiting=None)
        )

    async def _left_to_answer(self, conn: AsyncConnection, round_id: int, user_id: int) -> int:
        """How many of the round's questions ``user_id`` has not answered yet."""
        asked = (
            await conn.execute(
                select(func.count())
                .select_from(round_questions)
                .where(round_questions.c.round_id == round_id)
            )
        ).scalar_one()
        given = (
            await conn.execute(
                select(func.count())
                .select_from(answers)
                .where(answers.c.round_id == round_id, answers.c.user_id == user_id)
            )
        ).scalar_one()
        return max(0, int(asked) - int(given))

    async def _is_complete(self, conn: AsyncConnection, round_id: int, user_id: int) -> bool:
        """Whether ``user_id`` has answered every question of the round (a round always has
        at least one)."""
        return await self._left_to_answer(conn, round_id, user_id) == 0

    async def _close_round(
        self, conn: AsyncConnection, round_id: int, status: str
    ) -> tuple[Row[tuple[object, ...]], Row[tuple[object, ...]]] | None:
        """Move an open round to ``status`` with a conditional update; the row count decides
        (exactly one caller wins). Returns the round and its pair for the winner, else None."""
        won = await conn.execute(
            update(rounds)
            .where(rounds.c.id == round_id, rounds.c.status == "open")
            .values(status=status, closed_at=self._now())
        )
        if won.rowcount != 1:
            return None
        round_ = (await conn.execute(select(rounds).where(rounds.c.id == round_id))).one()
        pair = (await conn.execute(select(pairs).where(pairs.c.id == round_.pair_id))).one()
        return round_, pair

    async def _reveal(self, conn: AsyncConnection, round_id: int) -> bool:
        """Decide the reveal exactly once: a conditional update from open to revealed whose row
        count says who won; the winner reads both answers in this same transaction and writes
        the reveal, then any exercise offer or encouragement, to the outbox for both."""
        closed = await self._close_round(conn, round_id, "revealed")
        if closed is None:
            return False
        round_, pair = closed
        messages = await self._reveal_messages(conn, round_id, pair, [pair.user_a, pair.user_b])
        messages.extend(await self.exercises.after_reveal(conn, round_, pair))
        for message in messages:
            await self._tell(conn, message)
        await self._forget_round_work(conn, round_id)
        logger.info("round %s revealed (%s messages)", round_id, len(messages))
        return True

    async def _reveal_messages(
        self,
        conn: AsyncConnection,
        round_id: int,
        pair: Row[tuple[object, ...]],
        recipients: Sequence[object],
    ) -> list[Message]:
        """The reveal of a revealed round, for each of ``recipients`` (user ids of the pair):
        both answers side by side, question by question."""
        members = {
            r.id: r
            for r in (
                await conn.execute(select(users).where(users.c.id.in_([pair.user_a, pair.user_b])))
            ).all()
        }
        asked, given = await self._round_answers(conn, round_id)
        title = await self._followup_title(conn, round_id)
        messages: list[Message] = []
        for me_id in recipients:
            with self._speaking(members[me_id]):
                messages.append(self._reveal_for(me_id, pair, members, asked, given, title))
        return messages

    def _reveal_for(
        self,
        me_id: object,
        pair: Row[tuple[object, ...]],
        members: dict[object, Row[tuple[object, ...]]],
        asked: Sequence[Row[tuple[object, ...]]],
        given: dict[tuple[object, object], Row[tuple[object, ...]]],
        followup_title: str | None,
    ) -> Message:
        """One partner's reveal message, in the language in force; ``followup_title`` names
        the exercise a follow-up question asks about."""
        other_id = pair.user_b if me_id == pair.user_a else pair.user_a
        other = members[other_id]
        header = texts.REVEAL_DEEP_HEADER if len(asked) > 1 else texts.REVEAL_HEADER
        blocks = [header]
        for rq in asked:
            question = self._question(rq.question_id)
            mine = given[(rq.position, me_id)]
            theirs = given[(rq.position, other_id)]
            block = self._reveal_block(question, mine, theirs, str(other.first_name))
            if question.id.startswith(FOLLOWUP_PREFIX) and followup_title is not None:
                block = texts.FOLLOWUP_ABOUT.format(title=tr(followup_title)) + "\n" + block
            if len(asked) > 1:
                block = f"{rq.position + 1}. {block}"
            blocks.append(block)
        return Message(int(str(me_id)), "\n\n".join(blocks))

    def _reveal_block(
        self,
        question: Question,
        mine: Row[tuple[object, ...]],
        theirs: Row[tuple[object, ...]],
        other_name: str,
    ) -> str:
        lines = [tr(question.text)]
        if question.kind == "scale" and question.scale is not None:
            hint = texts.SCALE_HINT.format(low=tr(question.scale.low), high=tr(question.scale.high))
            lines.append(f"({hint})")
        my_text = self._display(question, _opt(mine.value), bool(mine.skipped))
        their_text = self._display(question, _opt(theirs.value), bool(theirs.skipped))
        if question.kind == "open":
            lines.append(f"{texts.REVEAL_YOU}:\n{my_text}")
            lines.append(f"{other_name}:\n{their_text}")
            return "\n\n".join(lines)
        lines.append(f"{texts.REVEAL_YOU}: {my_text}\n{other_name}: {their_text}")
        if (
            question.kind == "wants"
            and not mine.skipped
            and not theirs.skipped
            and question.gap(str(mine.value), str(theirs.value)) is Gap.SMALL
        ):
            lines.append(texts.SMALL_GAP_WANTS)
        return "\n".join(lines)

    async def begin_text_answer(self, who: UserInfo, round_id: int, position: int) -> Outcome:
        """ "Write my answer": the user's next text message answers this round position."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            round_ = (await conn.execute(select(rounds).where(rounds.c.id == round_id))).first()
            if round_ is None or round_.pair_id != user.pair_id:
                return Outcome(toast=texts.BUTTON_NOT_YOURS)
            if round_.status != "open":
                text = texts.ROUND_REVEALED if round_.status == "revealed" else texts.ROUND_CLOSED
                return Outcome(toast=text, edit=Edit(None, ()))
            await self._set_awaiting(conn, who.id, f"{_AWAIT_ANSWER}:{round_id}:{position}")
        return Outcome(replies=[Message(who.id, texts.WRITE_PROMPT)], toast="")

    async def text(self, who: UserInfo, text: str) -> Outcome:
        """A plain text message: it answers whatever the database says this user was asked
        for (a time, a timezone, an open question), else the open question of the pair's open
        round that this user has not answered yet; otherwise a reply that says what to do."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            awaiting = user.awaiting
            pending = await self._pending_for(conn, user)
        if awaiting in (AWAIT_TIMEZONE, AWAIT_TIME):
            result = await (
                self.set_timezone(who, text)
                if awaiting == AWAIT_TIMEZONE
                else self.set_time_text(who, text)
            )
            if pending.open_target is not None and _refused_input(text, awaiting):
                result.replies.append(Message(who.id, texts.IF_CHECKIN_ANSWER))
            return result
        if awaiting == AWAIT_COHORT:
            return await self.cohorts.draft_text(who, text)
        if isinstance(awaiting, str) and awaiting.startswith(AWAIT_BROADCAST + ":"):
            cohort_id = int(awaiting.split(":")[1])
            return await self.cohorts.broadcasts.compose(who, cohort_id, text)
        if isinstance(awaiting, str) and awaiting.startswith(AWAIT_REMIND + ":"):
            offer_id = int(awaiting.split(":")[1])
            result = await self.exercises.remind_text(who, offer_id, text)
            refused = result.replies and result.replies[-1].text == texts.REMIND_BAD
            if refused and pending.open_target is not None:
                result.replies.append(Message(who.id, texts.IF_CHECKIN_ANSWER))
            return result
        target: tuple[int, int] | None = None
        if isinstance(awaiting, str) and awaiting.startswith(_AWAIT_ANSWER + ":"):
            _, round_id, position = awaiting.split(":")
            target = (int(round_id), int(position))
        elif pending.open_target is not None:
            target = pending.open_target
        if target is not None:
            cleaned = text.strip()
            if not cleaned or not any(ch.isprintable() and not ch.isspace() for ch in cleaned):
                return Outcome(replies=[Message(who.id, texts.TEXT_EMPTY)])
            if len(cleaned) > MAX_OPEN_ANSWER_CHARS:
                return Outcome(
                    replies=[Message(who.id, texts.TEXT_TOO_LONG.format(n=len(cleaned)))]
                )
            return await self._record(who, target[0], target[1], cleaned, from_button=False)
        if pending.button_questions:
            return Outcome(
                replies=[Message(who.id, texts.TAP_TO_ANSWER), *pending.button_questions]
            )
        if pending.answered_open and pending.partner_name:
            text_ = texts.ALREADY_ANSWERED_OPEN.format(partner=pending.partner_name)
            return Outcome(replies=[Message(who.id, text_)])
        return Outcome(replies=[Message(who.id, texts.NOTHING_WAITING)])

    async def _pending_for(self, conn: AsyncConnection, user: Row[tuple[object, ...]]) -> _Pending:
        """What the pair's open round still wants from this user."""
        pending = _Pending()
        found = await self._pair_of(conn, user)
        if found is None:
            return pending
        current = await self._open_rounds_of(conn, found[0].id)
        if not current:
            return pending
        pending.partner_name = str(found[1].first_name)
        for round_ in reversed(current):  # the newest round's questions are nearest in view
            unanswered = await self._unanswered(conn, round_, user)
            open_target = next((p for p, q, _ in unanswered if q.kind == "open"), None)
            if open_target is not None:
                pending.open_target = (int(round_.id), open_target)
                pending.button_questions = []
                return pending
            pending.button_questions.extend(m for _, _, m in unanswered)
        asked_ids = (
            await conn.execute(
                select(round_questions.c.question_id).where(
                    round_questions.c.round_id.in_([r.id for r in current])
                )
            )
        ).scalars()
        pending.answered_open = any(self._question(q).kind == "open" for q in asked_ids)
        return pending

    async def non_text(self, who: UserInfo) -> Outcome:
        """A sticker, photo, voice note or other non-text message."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
        if user.awaiting:
            return Outcome(replies=[Message(who.id, texts.TEXT_ONLY)])
        return Outcome(replies=[Message(who.id, texts.NON_TEXT_IDLE)])

    async def cancel(self, who: UserInfo) -> Outcome:
        """``/cancel``: stop waiting for typed input, whatever it was."""
        async with self.engine.begin() as conn:
            user = await self._touch_user(conn, who)
            awaiting = user.awaiting
            await self._set_awaiting(conn, who.id, None)
            if awaiting == AWAIT_COHORT:  # the set-up stops: its buttons no longer work
                await conn.execute(delete(cohort_drafts).where(cohort_drafts.c.user_id == who.id))
        if not awaiting:
            return Outcome(replies=[Message(who.id, texts.NOTHING_TO_CANCEL)])
        if str(awaiting).startswith(_AWAIT_ANSWER):
            return Outcome(replies=[Message(who.id, texts.CANCELLED_ANSWER)])
        return Outcome(replies=[Message(who.id, texts.CANCELLED)])

    # ------------------------------------------------------------------ due work

    async def due_open_round(self, item: DueItem, now: datetime) -> datetime | None:
        """Open the pair's scheduled daily round (subject ``pair:<id>``); return the next
        opening (see :meth:`_due_open`). A ``/checkin`` round still open stands in for the
        slot instead of being cut short (it promised its own closing time); a weekly round
        runs beside daily ones."""
        return await self._due_open(item, now, weekly=False)

    async def due_open_weekly(self, item: DueItem, now: datetime) -> datetime | None:
        """Open the pair's weekly deeper round (subject ``pair:<id>``): three deep questions,
        open for 48 hours; return the next weekly opening (see :meth:`_due_open`)."""
        return await self._due_open(item, now, weekly=True)

    async def _due_open(self, item: DueItem, now: datetime, *, weekly: bool) -> datetime | None:
        """The shared rules of scheduled openings: skip (moving to the next slot) when more
        than two hours late (the bot was down) or when this local date already had its round
        (a retried claim); None, deleting the row, when the pair no longer runs the schedule."""
        pair_id = int(item.subject.split(":")[1])
        last_column = "last_weekly_date" if weekly else "last_round_date"
        async with self.engine.begin() as conn:
            pair = (await conn.execute(select(pairs).where(pairs.c.id == pair_id))).first()
            if pair is None or pair.status != "active" or pair.paused:
                return None
            program = None if weekly else await self.cohorts.program_cadence(conn, pair)
            cadence = self._weekly_cadence(pair) if weekly else program or self._cadence(pair)
            if cadence is None or cadence.frequency is Frequency.OFF:
                return None
            members = (
                await conn.execute(select(users).where(users.c.id.in_([pair.user_a, pair.user_b])))
            ).all()
            if len(members) != 2 or not all(m.active for m in members):
                return None
            slot_date = local_time(item.due_at, cadence.timezone).date()
            late = now - item.due_at > MAX_LATENESS
            last = pair._mapping[last_column]
            already = last is not None and last >= slot_date
            if late:
                # The next slot that is not too late itself: after downtime, today's slot still
                # opens if the bot is back within two hours of it.
                logger.info("pair %s: round due %s skipped (bot was down)", pair_id, item.due_at)
                return next_occurrence(cadence, now - MAX_LATENESS, last_local_date=slot_date)
            nxt = next_occurrence(cadence, max(now, item.due_at), last_local_date=slot_date)
            if already:
                return nxt
            await conn.execute(
                update(pairs).where(pairs.c.id == pair_id).values({last_column: slot_date})
            )
            if weekly:
                await self._open_round(
                    conn, pair, origin="weekly", kind=ROUND_DEEP, expires_at=now + WEEKLY_TTL
                )
                return nxt
            current = await self._open_round_of(conn, pair_id)
            if current is not None and current.origin == "checkin":
                logger.info("pair %s: slot %s covered by an open round", pair_id, slot_date)
                return nxt
            expires_at = nxt if nxt is not None else now + CHECKIN_TTL
            if program is not None:
                planned = await self.cohorts.program_round(conn, pair)
                if planned is not None:
                    questions, program_, cohort_id, week, first = planned
                    if first:
                        await self.cohorts.week_messages(conn, pair, program_, week)
                    await self._open_round(
                        conn,
                        pair,
                        origin="program",
                        expires_at=expires_at,
                        questions=questions,
                        cohort_id=cohort_id,
                        cohort_week=week,
                    )
                    return nxt
            await self._open_round(conn, pair, origin="scheduled", expires_at=expires_at)
            return nxt

    async def due_expire(self, item: DueItem, now: datetime) -> datetime | None:
        """Close the round (subject ``round:<id>``) as expired if it is still open."""
        round_id = int(item.subject.split(":")[1])
        async with self.engine.begin() as conn:
            await self._expire_round(conn, round_id)
        return None

    async def _expire_round(self, conn: AsyncConnection, round_id: int) -> None:
        closed = await self._close_round(conn, round_id, "expired")
        if closed is None:
            return
        round_, pair = closed
        for member_id in (pair.user_a, pair.user_b):
            if member_id is None:
                continue
            member = await self._user(conn, int(member_id))
            if member is None or not member.active:
                continue
            if await self._is_complete(conn, round_id, int(member_id)):
                opened = self._fmt_local(round_.opened_at, self._zone(member))
                with self._speaking(member):
                    text = texts.EXPIRED_ANSWERED.format(opened=opened)
                await self._tell(conn, Message(int(member_id), text))
        await self._forget_round_work(conn, round_id)

    async def due_remind(self, item: DueItem, now: datetime) -> datetime | None:
        """Remind one partner (subject ``round:<id>:<user>``) who has not answered yet. The
        reminder repeats the question; it never says anything about the other's answer."""
        _, round_id_s, user_id_s = item.subject.split(":")
        round_id, user_id = int(round_id_s), int(user_id_s)
        async with self.engine.begin() as conn:
            round_ = (await conn.execute(select(rounds).where(rounds.c.id == round_id))).first()
            user = await self._user(conn, user_id)
            if round_ is None or round_.status != "open" or user is None or not user.active:
                return None
            if user.pair_id != round_.pair_id or now >= round_.expires_at:
                return None  # not theirs any more, or closing now (the bot was down)
            if is_night(local_time(now, self._zone(user)).time()):
                # Late (the bot was down): wait for the morning if the round is still open then.
                morning = next_morning(now, self._zone(user))
                return morning if morning < round_.expires_at - REMINDER_MARGIN else None
            waiting = await self._unanswered_questions(conn, round_, user)
            if not waiting:
                return None
            with self._speaking(user):
                header = texts.REMINDER_HEADER
                if len(waiting) > 1:
                    header += " " + texts.count("REMINDER_MORE_N", len(waiting))
            # One message: the first unanswered question (the rest are above in the chat).
            first = waiting[0]
            await self._tell(conn, Message(user_id, header + "\n\n" + first.text, first.buttons))
        return None

    async def claim_update(self, update_id: int) -> bool:
        """Record that an update id is being handled; False when it already was (Telegram
        delivers updates at least once). A failed update is released to be handled again."""
        ins = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            ins(processed_updates)
            .values(update_id=update_id, received_at=self._now())
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def release_update(self, update_id: int) -> None:
        """Forget a claimed update id after its handling failed, so a redelivery is handled."""
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(processed_updates).where(processed_updates.c.update_id == update_id)
            )

    async def _unanswered_questions(
        self,
        conn: AsyncConnection,
        round_: Row[tuple[object, ...]],
        user: Row[tuple[object, ...]],
    ) -> list[Message]:
        """The question messages of an open round that ``user`` has not answered yet."""
        return [message for _, _, message in await self._unanswered(conn, round_, user)]

    async def _unanswered(
        self,
        conn: AsyncConnection,
        round_: Row[tuple[object, ...]],
        user: Row[tuple[object, ...]],
    ) -> list[tuple[int, Question, Message]]:
        """(position, question, question message) for each question of an open round that
        ``user`` has not answered yet, in order."""
        asked = (
            await conn.execute(
                select(round_questions)
                .where(round_questions.c.round_id == round_.id)
                .order_by(round_questions.c.position)
            )
        ).all()
        done = set(
            (
                await conn.execute(
                    select(answers.c.position).where(
                        answers.c.round_id == round_.id, answers.c.user_id == user.id
                    )
                )
            )
            .scalars()
            .all()
        )
        title = await self._followup_title(conn, int(round_.id)) if round_.offer_id else None
        result = []
        for rq in asked:
            if rq.position in done:
                continue
            question = self._question(rq.question_id)
            with self._speaking(user):
                text, keyboard = self._question_message(
                    int(round_.id),
                    rq.position,
                    question,
                    round_.expires_at,
                    self._zone(user),
                    total=len(asked),
                    followup_title=title,
                )
            result.append((int(rq.position), question, Message(int(user.id), text, keyboard)))
        return result

    async def prune_processed_updates(self, older_than: datetime) -> None:
        """Forget update ids seen before ``older_than`` (aware UTC)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(processed_updates).where(processed_updates.c.received_at < older_than)
            )

    async def next_round_at_for(self, user_id: int) -> datetime | None:
        """When the user's pair's next scheduled round opens (aware UTC), or None."""
        async with self.engine.connect() as conn:
            user = await self._user(conn, user_id)
            if user is None or user.pair_id is None:
                return None
            return await queues.due_at_of(conn, KIND_OPEN_ROUND, f"pair:{user.pair_id}")


@dataclass
class _Pending:
    """What an open round still wants from one partner (see ``Tandem._pending_for``)."""

    open_target: tuple[int, int] | None = None  # (round id, position) of an open question
    button_questions: list[Message] = field(default_factory=list)
    answered_open: bool = False
    partner_name: str | None = None


def _lane(kind: str) -> str:
    """Rounds of a pair run in two lanes, one open round each: the weekly (deep) round, and
    everything else (daily, /checkin and follow-up rounds)."""
    return ROUND_DEEP if kind == ROUND_DEEP else ROUND_LIGHT


def _focus_of(pair: Row[tuple[object, ...]]) -> set[Dimension]:
    """The pair's focus dimensions (unknown names, e.g. from older content, are ignored)."""
    known = {d.value for d in Dimension}
    return {Dimension(v) for v in str(pair.focus or "").split(",") if v in known}


def _refused_input(text: str, awaiting: str) -> bool:
    """Whether ``text`` is not a valid answer to the time/timezone prompt."""
    try:
        if awaiting == AWAIT_TIMEZONE:
            parse_timezone(text)
        else:
            parse_time_of_day(text)
    except ValueError:
        return True
    return False


class _Abort(Exception):
    """Roll back the transaction and answer with ``outcome``."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("aborted")
        self.outcome = outcome


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _valid_value(question: Question, value: str, from_button: bool) -> bool:
    if question.kind == "scale":
        return from_button and value in {"1", "2", "3", "4", "5"}
    if question.kind in ("choice", "wants"):
        return from_button and question.option_label(value) is not None
    return not from_button


def _parse_dimension(word: str) -> Dimension | None:
    """A dimension from its value (``together_apart``), a hyphenated or spaced form, or the
    start of its label (``trust``, ``apprec``); None when nothing or several match."""
    key = word.lower().replace("-", "_").strip()
    for dimension in Dimension:
        if key == dimension.value:
            return dimension
    if len(key) < 3:
        return None
    matches = [
        d
        for d in Dimension
        if d.value.startswith(key)
        or d.label.lower().replace(" ", "_").startswith(key)
        or any(w.startswith(key) for w in d.label.lower().split())
    ]
    return matches[0] if len(matches) == 1 else None


def _parse_weekday(word: str) -> int | None:
    """A weekday (0 = Monday) from the start of its name (two letters at least), in the
    language in force or in English; None when nothing matches."""
    if len(word) < 2:
        return None
    for names in (texts.WEEKDAYS, texts.source_of("WEEKDAYS")):
        for index, name in enumerate(names):
            if name.lower().startswith(word.lower()):
                return index
    return None
