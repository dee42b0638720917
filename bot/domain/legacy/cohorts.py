"""Facilitators and cohorts: roles, the guided ``/cohort_new``, enrolment with consent, and a
couple's view of their program.

Roles (issue 4): bot admins are named by Telegram user id in the settings; an admin makes a user
a facilitator with a single-use invite link and can revoke it. Every facilitator operation
checks the sender's role, and that the cohort is one of theirs, on every call.

Privacy (DESIGN.md, rule 2): facilitators see who takes part; nothing derived from answers is
shown here. The consent screen says what they will see, with K's actual value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.invites import deep_link, issue_invite, new_token, token_hash
from bot.domain.legacy.broadcasts import Broadcasts
from bot.domain.legacy.cohort_reports import CohortReports
from bot.domain.legacy.offers import exercise_text
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.i18n import gettext
from bot.storage import queues
from bot.storage.tables import (
    cohort_consents,
    cohort_drafts,
    cohort_facilitators,
    cohort_pairs,
    cohorts,
    facilitators,
    invites,
    pairs,
    rounds,
    users,
)
from content.programs import Program, ProgramWeek
from content.schema import Exercise, Question
from scheduler.cadence import Cadence, Frequency, TimeOfDayError, local_time, parse_time_of_day
from scheduler.due import DueItem
from scheduler.zones import parse_timezone

if TYPE_CHECKING:
    from bot.domain.legacy.service import Tandem, UserInfo

logger = logging.getLogger(__name__)

FACILITATOR_INVITE_TTL = timedelta(days=7)
#: As for every scheduled opening: a slot more than this late (the bot was down) is skipped.
MAX_LATENESS = timedelta(hours=2)
PAIR_INVITE_TTL = timedelta(hours=48)
AWAIT_COHORT = "cohort"
DRAFT_TTL = timedelta(hours=24)

Row_ = Row[tuple[object, ...]]


class Cohorts:
    """Facilitator roles, cohort set-up and enrolment; one per :class:`Tandem`.

    ``admins``: Telegram user ids of bot admins (settings); ``min_pairs``: K, the fewest pairs
    a figure derived from answers may pool (never below 3).
    """

    def __init__(self, tandem: Tandem, admins: Sequence[int], min_pairs: int) -> None:
        if min_pairs < 3:
            raise ValueError("K (AGGREGATE_MIN_PAIRS) is never below 3")
        self.t = tandem
        self.admins = frozenset(admins)
        self.min_pairs = min_pairs
        self.reports = CohortReports(tandem, min_pairs, self.admins)
        self.broadcasts = Broadcasts(tandem, self)

    async def _tell_pair(self, conn: AsyncConnection, pair: Row_, build: Callable[[], str]) -> None:
        """Queue ``build()`` for each reachable partner of ``pair``, built in their language."""
        for member_id in (pair.user_a, pair.user_b):
            if member_id is None:
                continue
            member = await self.t._user(conn, int(str(member_id)))
            if member is None or not member.active:
                continue
            with self.t._speaking(member):
                text = build()
            await self.t._tell(conn, Message(int(str(member.id)), text))

    async def invited_not_started(self, conn: AsyncConnection, cohort_id: object) -> int:
        """Partners invited from this cohort's enrolment (an open pair invite) who have not
        opened the invite yet, so have not started Tandem for it."""
        return int(
            (
                await conn.execute(
                    select(func.count())
                    .select_from(invites)
                    .where(
                        invites.c.cohort_id == cohort_id,
                        invites.c.kind == "pair",
                        invites.c.status == "open",
                        invites.c.expires_at > self.t._now(),
                    )
                )
            ).scalar_one()
        )

    async def _cohort_of_pair(self, conn: AsyncConnection, pair_id: object) -> Row_ | None:
        """The running (not ended) cohort the pair is enrolled in, if any."""
        return (
            await conn.execute(
                select(cohorts)
                .join(cohort_pairs, cohort_pairs.c.cohort_id == cohorts.c.id)
                .where(
                    cohort_pairs.c.pair_id == pair_id,
                    cohort_pairs.c.status == "enrolled",
                    cohorts.c.status != "ended",
                )
            )
        ).first()

    # ------------------------------------------------------------------ roles

    def is_admin(self, user_id: int) -> bool:
        """Whether ``user_id`` is named in ``ADMIN_USER_IDS``."""
        return user_id in self.admins

    async def is_facilitator(self, conn: AsyncConnection, user_id: int) -> bool:
        """Whether ``user_id`` holds an active facilitator role (checked on every call)."""
        status = (
            await conn.execute(
                select(facilitators.c.status).where(facilitators.c.user_id == user_id)
            )
        ).scalar_one_or_none()
        return status == "active"

    async def facilitator_invite(self, who: UserInfo) -> Outcome:
        """``/facilitator_invite`` (admins only): a single-use link, valid 7 days, that makes
        whoever opens it a facilitator. Only the token's SHA-256 is stored."""
        if not self.is_admin(who.id):
            return Outcome(replies=[Message(who.id, texts.ADMIN_ONLY)])
        async with self.t.engine.begin() as conn:
            await self.t._touch_user(conn, who)
            token = await issue_invite(
                conn,
                inviter_id=who.id,
                kind="facilitator",
                now=self.t._now(),
                ttl=FACILITATOR_INVITE_TTL,
            )
        link = deep_link(self.t.bot_username, token)
        return Outcome(
            replies=[Message(who.id, texts.FACILITATOR_INVITE_CREATED.format(link=link))]
        )

    async def _cofacilitator_invite(
        self, conn: AsyncConnection, who: UserInfo, cohort: Row_
    ) -> Outcome:
        """A single-use link (7 days) that adds an active facilitator to this cohort."""
        token = await issue_invite(
            conn,
            inviter_id=who.id,
            kind="cofacilitator",
            now=self.t._now(),
            ttl=FACILITATOR_INVITE_TTL,
            cohort_id=cohort.id,
        )
        link = deep_link(self.t.bot_username, token)
        text = texts.COFACILITATOR_INVITE.format(name=cohort.name, link=link)
        return Outcome(replies=[Message(who.id, text)], toast="")

    async def open_cofacilitator_invite(
        self, conn: AsyncConnection, user: Row_, invite: Row_
    ) -> Outcome:
        """An active facilitator who opens a co-facilitator link joins the cohort (once)."""
        uid = int(str(user.id))
        if not await self.is_facilitator(conn, uid):
            return Outcome(replies=[Message(uid, texts.COFACILITATOR_NOT_FACILITATOR)])
        cohort = (
            await conn.execute(select(cohorts).where(cohorts.c.id == invite.cohort_id))
        ).first()
        if cohort is None or cohort.status == "ended":
            return Outcome(replies=[Message(uid, texts.COHORT_ALREADY_ENDED)])
        already = (
            await conn.execute(
                select(cohort_facilitators.c.user_id).where(
                    cohort_facilitators.c.cohort_id == cohort.id,
                    cohort_facilitators.c.user_id == uid,
                )
            )
        ).first()
        if already is not None:
            return Outcome(
                replies=[Message(uid, texts.COFACILITATOR_ALREADY.format(name=cohort.name))]
            )
        claimed = await conn.execute(
            update(invites)
            .where(invites.c.id == invite.id, invites.c.status == "open")
            .values(status="accepted", used_by=uid, used_at=self.t._now())
        )
        if claimed.rowcount != 1:
            return Outcome(replies=[Message(uid, texts.FACILITATOR_LINK_USED)])
        await conn.execute(
            insert(cohort_facilitators).values(
                cohort_id=cohort.id, user_id=uid, added_at=self.t._now()
            )
        )
        owner = await self.t._user(conn, int(str(invite.inviter_id)))
        if owner is not None and owner.active:
            with self.t._speaking(owner):
                text = texts.COFACILITATOR_JOINED_OWNER.format(
                    name=user.first_name, cohort=cohort.name
                )
            await self.t._tell(conn, Message(int(str(owner.id)), text))
        # The couples consented to the facilitators they were shown: they learn of this one.
        program = self.t.content.programs.get(str(cohort.program_id))
        for pair in await self._enrolled_pairs(conn, int(str(cohort.id))):
            await self._tell_pair(
                conn,
                pair,
                lambda: texts.COFACILITATOR_COUPLES.format(
                    name=user.first_name,
                    program=gettext(program.name) if program else cohort.name,
                ),
            )
        return Outcome(replies=[Message(uid, texts.COFACILITATOR_JOINED.format(name=cohort.name))])

    async def open_facilitator_invite(
        self, conn: AsyncConnection, user: Row_, invite: Row_
    ) -> Outcome:
        """The opener of a valid facilitator invite becomes a facilitator (once: a conditional
        update on the invite); the admin who made it is told."""
        if await self.is_facilitator(conn, int(str(user.id))):
            return Outcome(replies=[Message(int(str(user.id)), texts.FACILITATOR_ALREADY)])
        now = self.t._now()
        claimed = await conn.execute(
            update(invites)
            .where(invites.c.id == invite.id, invites.c.status == "open")
            .values(status="accepted", used_by=user.id, used_at=now)
        )
        if claimed.rowcount != 1:
            return Outcome(replies=[Message(int(str(user.id)), texts.FACILITATOR_LINK_USED)])
        existing = (
            await conn.execute(select(facilitators).where(facilitators.c.user_id == user.id))
        ).first()
        values = {"status": "active", "granted_by": invite.inviter_id, "granted_at": now}
        if existing is None:
            await conn.execute(insert(facilitators).values(user_id=user.id, **values))
        else:
            await conn.execute(
                update(facilitators)
                .where(facilitators.c.user_id == user.id)
                .values(revoked_at=None, **values)
            )
        admin = await self.t._user(conn, int(str(invite.inviter_id)))
        if admin is not None and admin.active:
            with self.t._speaking(admin):
                text = texts.FACILITATOR_JOINED_ADMIN.format(name=user.first_name)
            await self.t._tell(conn, Message(int(str(admin.id)), text))
        logger.info("user %s became a facilitator", user.id)
        welcome = texts.FACILITATOR_WELCOME.format(k=self.min_pairs)
        return Outcome(replies=[Message(int(str(user.id)), welcome)])

    async def list_facilitators(self, who: UserInfo) -> Outcome:
        """``/facilitators`` (admins only): active facilitators with a remove button each."""
        if not self.is_admin(who.id):
            return Outcome(replies=[Message(who.id, texts.ADMIN_ONLY)])
        async with self.t.engine.begin() as conn:
            text, keyboard = await self._facilitators_view(conn)
        return Outcome(replies=[Message(who.id, text, keyboard)])

    async def _facilitators_view(self, conn: AsyncConnection) -> tuple[str, Keyboard]:
        rows = (
            await conn.execute(
                select(facilitators.c.user_id, users.c.first_name)
                .join(users, users.c.id == facilitators.c.user_id)
                .where(facilitators.c.status == "active")
                .order_by(users.c.first_name)
            )
        ).all()
        if not rows:
            return texts.FACILITATORS_NONE, ()
        keyboard = tuple(
            (Button(texts.BTN_REVOKE.format(name=r.first_name), cb.revoke(int(r.user_id))),)
            for r in rows
        )
        return texts.FACILITATORS_LIST, keyboard

    async def revoke(self, who: UserInfo, user_id: int) -> Outcome:
        """An admin removes a facilitator; they are told. Their cohorts keep running (a
        co-facilitator or an admin can end them)."""
        if not self.is_admin(who.id):
            return Outcome(toast=texts.ADMIN_ONLY)
        async with self.t.engine.begin() as conn:
            done = await conn.execute(
                update(facilitators)
                .where(facilitators.c.user_id == user_id, facilitators.c.status == "active")
                .values(status="revoked", revoked_at=self.t._now())
            )
            if done.rowcount != 1:
                text, keyboard = await self._facilitators_view(conn)
                return Outcome(toast=texts.FACILITATOR_NOT_FOUND, edit=Edit(text, keyboard))
            person = await self.t._user(conn, user_id)
            name = str(person.first_name) if person is not None else str(user_id)
            if person is not None and person.active:
                with self.t._speaking(person):
                    notice = texts.FACILITATOR_REVOKED_YOU
                await self.t._tell(conn, Message(user_id, notice))
            await self.t._set_awaiting_if(conn, user_id, AWAIT_COHORT)
            await conn.execute(delete(cohort_drafts).where(cohort_drafts.c.user_id == user_id))
            await conn.execute(
                delete(cohort_facilitators).where(cohort_facilitators.c.user_id == user_id)
            )
            text, keyboard = await self._facilitators_view(conn)
        logger.info("facilitator %s revoked by admin %s", user_id, who.id)
        return Outcome(toast=texts.FACILITATOR_REVOKED.format(name=name), edit=Edit(text, keyboard))

    async def _facilitator_or_reply(self, conn: AsyncConnection, who: UserInfo) -> Row_ | Outcome:
        user = await self.t._touch_user(conn, who)
        if not await self.is_facilitator(conn, who.id):
            return Outcome(replies=[Message(who.id, texts.FACILITATOR_ONLY)])
        return user

    async def _own_cohort(
        self, conn: AsyncConnection, who: UserInfo, cohort_id: int
    ) -> Row_ | Outcome:
        """The cohort when the sender is an active facilitator of it; otherwise the reply (the
        same for an unknown id and another facilitator's cohort)."""
        if self.is_admin(who.id):  # admins can act on any cohort (e.g. one left without anyone)
            row = (await conn.execute(select(cohorts).where(cohorts.c.id == cohort_id))).first()
            return row if row is not None else Outcome(toast=texts.COHORT_NOT_YOURS)
        if not await self.is_facilitator(conn, who.id):
            return Outcome(toast=texts.FACILITATOR_ONLY)
        row = (
            await conn.execute(
                select(cohorts)
                .join(cohort_facilitators, cohort_facilitators.c.cohort_id == cohorts.c.id)
                .where(cohorts.c.id == cohort_id, cohort_facilitators.c.user_id == who.id)
            )
        ).first()
        if row is None:
            return Outcome(toast=texts.COHORT_NOT_YOURS)
        return row

    # ------------------------------------------------------------------ /cohort_new

    async def cohort_new(self, who: UserInfo) -> Outcome:
        """``/cohort_new`` (facilitators): a short guided conversation (name, program, start
        date, check-in days, timezone, live session) kept in ``cohort_drafts``."""
        async with self.t.engine.begin() as conn:
            found = await self._facilitator_or_reply(conn, who)
            if isinstance(found, Outcome):
                return found
            if not self.t.content.programs:
                return Outcome(replies=[Message(who.id, texts.COHORT_NO_PROGRAMS)])
            await self._save_draft(conn, who.id, "name", {})
            await self.t._set_awaiting(conn, who.id, AWAIT_COHORT)
        return Outcome(replies=[Message(who.id, texts.COHORT_ASK_NAME)])

    async def _save_draft(
        self, conn: AsyncConnection, user_id: int, step: str, fields: dict[str, object]
    ) -> None:
        await conn.execute(delete(cohort_drafts).where(cohort_drafts.c.user_id == user_id))
        await conn.execute(
            insert(cohort_drafts).values(
                user_id=user_id, step=step, fields=json.dumps(fields), updated_at=self.t._now()
            )
        )

    async def _draft(
        self, conn: AsyncConnection, user_id: int
    ) -> tuple[str, dict[str, object]] | None:
        row = (
            await conn.execute(select(cohort_drafts).where(cohort_drafts.c.user_id == user_id))
        ).first()
        if row is None or row.updated_at < self.t._now() - DRAFT_TTL:
            return None
        return str(row.step), dict(json.loads(str(row.fields)))

    async def draft_text(self, who: UserInfo, text: str) -> Outcome:
        """A typed answer in the ``/cohort_new`` conversation (name, start date, timezone or
        session time, depending on the step); anything unreadable gets a reply that says what
        is expected, and nothing changes."""
        async with self.t.engine.begin() as conn:
            found = await self._facilitator_or_reply(conn, who)
            if isinstance(found, Outcome):
                await self.t._set_awaiting(conn, who.id, None)
                return found
            draft = await self._draft(conn, who.id)
            if draft is None:
                await self.t._set_awaiting(conn, who.id, None)
                return Outcome(replies=[Message(who.id, texts.COHORT_DRAFT_GONE)])
            step, fields = draft
            cleaned = " ".join(text.split())
            if step == "name":
                if not 2 <= len(cleaned) <= 80:
                    return Outcome(replies=[Message(who.id, texts.COHORT_NAME_BAD)])
                fields["name"] = cleaned
                return await self._ask(conn, who, "program", fields)
            if step == "start":
                return await self._take_start(conn, who, fields, cleaned)
            if step == "tz":
                try:
                    zone = parse_timezone(cleaned)
                except ValueError:
                    reply = texts.TIMEZONE_UNKNOWN.format(text=cleaned[:60])
                    return Outcome(replies=[Message(who.id, reply)])
                fields["timezone"] = zone
                return await self._ask(conn, who, "session", fields)
            if step == "time":
                try:
                    at = parse_time_of_day(cleaned)
                except TimeOfDayError as exc:
                    reply = texts.TIME_REASONS[exc.reason.value]
                    return Outcome(replies=[Message(who.id, reply)])
                fields["session_time"] = at.strftime("%H:%M")
                return await self._create(conn, who, fields)
            return Outcome(replies=[Message(who.id, texts.TAP_A_BUTTON)])

    async def _take_start(
        self, conn: AsyncConnection, who: UserInfo, fields: dict[str, object], text: str
    ) -> Outcome:
        try:
            start = date.fromisoformat(text)
        except ValueError:
            return Outcome(replies=[Message(who.id, texts.COHORT_START_BAD)])
        user = await self.t._user(conn, who.id)
        zone = self.t._zone(user) if user is not None else "UTC"
        if start < local_time(self.t._now(), zone).date():
            return Outcome(replies=[Message(who.id, texts.COHORT_START_PAST)])
        fields["start"] = start.isoformat()
        return await self._ask(conn, who, "days", fields)

    async def _ask(
        self, conn: AsyncConnection, who: UserInfo, step: str, fields: dict[str, object]
    ) -> Outcome:
        """Save the draft at ``step`` and ask its question (with buttons where there are)."""
        await self._save_draft(conn, who.id, step, fields)
        if step == "program":
            programs = sorted(self.t.content.programs.values(), key=lambda p: p.name)
            keyboard: Keyboard = tuple(
                (Button(gettext(p.name), cb.cohort_setup("prog", p.id)),) for p in programs
            )
            return Outcome(replies=[Message(who.id, texts.COHORT_ASK_PROGRAM, keyboard)])
        if step == "start":
            user = await self.t._user(conn, who.id)
            zone = self.t._zone(user) if user is not None else "UTC"
            today = local_time(self.t._now(), zone).date()
            monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
            options = (monday, monday + timedelta(days=7))
            keyboard = (
                tuple(
                    Button(self.t._fmt_date(day), cb.cohort_setup("start", day.isoformat()))
                    for day in options
                ),
            )
            return Outcome(replies=[Message(who.id, texts.COHORT_ASK_START, keyboard)])
        if step == "days":
            return Outcome(
                replies=[Message(who.id, texts.COHORT_ASK_DAYS, self._days_keyboard(fields))]
            )
        if step == "tz":
            user = await self.t._user(conn, who.id)
            mine = self.t._zone(user) if user is not None else "UTC"
            zones = [mine, *(z for z in ("Europe/London", "Europe/Berlin", "America/New_York"))]
            keyboard = tuple((Button(z, cb.cohort_setup("tz", z)),) for z in dict.fromkeys(zones))
            return Outcome(replies=[Message(who.id, texts.COHORT_ASK_TZ, keyboard)])
        if step == "session":
            days = [
                Button(name[:3], cb.cohort_setup("session", str(i)))
                for i, name in enumerate(texts.WEEKDAYS)
            ]
            keyboard = (
                tuple(days[:4]),
                tuple(days[4:]),
                (Button(texts.BTN_NO_SESSION, cb.cohort_setup("session", "none")),),
            )
            return Outcome(replies=[Message(who.id, texts.COHORT_ASK_SESSION, keyboard)])
        return Outcome(replies=[Message(who.id, texts.COHORT_ASK_SESSION_TIME)])

    @staticmethod
    def _days_keyboard(fields: dict[str, object]) -> Keyboard:
        chosen = {int(d) for d in str(fields.get("days", "")).split(",") if d}
        days = [
            Button(("\u2713 " if i in chosen else "") + name[:3], cb.cohort_setup("day", str(i)))
            for i, name in enumerate(texts.WEEKDAYS)
        ]
        return (
            tuple(days[:4]),
            tuple(days[4:]),
            (Button(texts.BTN_DONE, cb.cohort_setup("days", "done")),),
        )

    async def draft_button(self, who: UserInfo, step: str, value: str) -> Outcome:
        """A button in the ``/cohort_new`` conversation; one from an older step, or a forged
        value, changes nothing."""
        async with self.t.engine.begin() as conn:
            found = await self._facilitator_or_reply(conn, who)
            if isinstance(found, Outcome):
                return Outcome(toast=texts.FACILITATOR_ONLY)
            draft = await self._draft(conn, who.id)
            if draft is None:
                return Outcome(toast=texts.COHORT_DRAFT_GONE, edit=Edit(None, ()))
            current, fields = draft
            if step == "prog" and current == "program" and value in self.t.content.programs:
                fields["program"] = value
                out = await self._ask(conn, who, "start", fields)
            elif step == "start" and current == "start":
                out = await self._take_start(conn, who, fields, value)
            elif step == "day" and current == "days" and value.isdigit() and int(value) < 7:
                chosen = {d for d in str(fields.get("days", "")).split(",") if d} ^ {value}
                fields["days"] = ",".join(sorted(chosen))
                await self._save_draft(conn, who.id, "days", fields)
                return Outcome(edit=Edit(texts.COHORT_ASK_DAYS, self._days_keyboard(fields)))
            elif step == "days" and current == "days":
                if not fields.get("days"):
                    return Outcome(toast=texts.COHORT_DAYS_NONE)
                out = await self._ask(conn, who, "tz", fields)
            elif step == "tz" and current == "tz":
                try:
                    fields["timezone"] = parse_timezone(value)
                except ValueError:
                    return Outcome(toast=texts.BUTTON_STALE)
                out = await self._ask(conn, who, "session", fields)
            elif step == "session" and current == "session":
                if value == "none":
                    return self._with_edit(await self._create(conn, who, fields))
                if not (value.isdigit() and int(value) < 7):
                    return Outcome(toast=texts.BUTTON_STALE)
                fields["session_weekday"] = int(value)
                out = await self._ask(conn, who, "time", fields)
            else:
                return Outcome(toast=texts.BUTTON_STALE)
            return self._with_edit(out)

    @staticmethod
    def _with_edit(out: Outcome) -> Outcome:
        out.edit = Edit(None, ())
        return out

    async def _create(
        self, conn: AsyncConnection, who: UserInfo, fields: dict[str, object]
    ) -> Outcome:
        """Create the cohort from a finished draft; the reply holds the enrolment link."""
        program = self.t.content.programs.get(str(fields.get("program")))
        if program is None or not fields.get("name") or not fields.get("start"):
            await self.t._set_awaiting(conn, who.id, None)
            return Outcome(replies=[Message(who.id, texts.COHORT_DRAFT_GONE)])
        token = new_token()
        now = self.t._now()
        cohort_id = (
            await conn.execute(
                insert(cohorts)
                .values(
                    name=str(fields["name"]),
                    program_id=program.id,
                    start_date=date.fromisoformat(str(fields["start"])),
                    checkin_days=str(fields["days"]),
                    timezone=str(fields["timezone"]),
                    session_weekday=fields.get("session_weekday"),
                    session_time=fields.get("session_time"),
                    status="active",
                    enrol_token_hash=token_hash(token),
                    created_by=who.id,
                    created_at=now,
                )
                .returning(cohorts.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(cohort_facilitators).values(cohort_id=cohort_id, user_id=who.id, added_at=now)
        )
        await conn.execute(delete(cohort_drafts).where(cohort_drafts.c.user_id == who.id))
        await self.t._set_awaiting(conn, who.id, None)
        cohort = (await conn.execute(select(cohorts).where(cohorts.c.id == cohort_id))).one()
        await self.schedule_weeks(conn, cohort)
        await self.schedule_preps(conn, cohort, program)
        link = deep_link(self.t.bot_username, token)
        text = texts.COHORT_CREATED.format(
            name=cohort.name,
            program=gettext(program.name),
            start=self.t._fmt_date(cohort.start_date),
            days=self._days_text(cohort),
            zone=cohort.timezone,
            link=link,
        )
        logger.info("cohort %s created by %s", cohort_id, who.id)
        return Outcome(replies=[Message(who.id, text)])

    @staticmethod
    def _days_text(cohort: Row_) -> str:
        days = sorted(int(d) for d in str(cohort.checkin_days).split(",") if d)
        return ", ".join(texts.WEEKDAYS[d] for d in days)

    # ------------------------------------------------------------------ /cohorts

    async def list_cohorts(self, who: UserInfo) -> Outcome:
        """``/cohorts`` (facilitators): each of their cohorts with buttons."""
        async with self.t.engine.begin() as conn:
            if self.is_admin(who.id):
                await self.t._touch_user(conn, who)
                query = select(cohorts).order_by(cohorts.c.id.desc())
            else:
                found = await self._facilitator_or_reply(conn, who)
                if isinstance(found, Outcome):
                    return found
                query = (
                    select(cohorts)
                    .join(cohort_facilitators, cohort_facilitators.c.cohort_id == cohorts.c.id)
                    .where(cohort_facilitators.c.user_id == who.id)
                    .order_by(cohorts.c.id.desc())
                )
            rows = (await conn.execute(query)).all()
        if not rows:
            return Outcome(replies=[Message(who.id, texts.COHORTS_NONE)])
        replies = [Message(who.id, texts.COHORTS_LIST)]
        for row in rows:
            replies.append(Message(who.id, self._cohort_line(row), self._cohort_buttons(row)))
        return Outcome(replies=replies)

    def _cohort_line(self, cohort: Row_) -> str:
        program = self.t.content.programs.get(str(cohort.program_id))
        return texts.COHORT_LINE.format(
            name=cohort.name,
            program=gettext(program.name) if program else cohort.program_id,
            state=texts.COHORT_STATE.get(str(cohort.status), str(cohort.status)),
        )

    @staticmethod
    def _cohort_buttons(cohort: Row_) -> Keyboard:
        cid = int(str(cohort.id))
        if cohort.status == "ended":
            return (
                (
                    Button(texts.BTN_STATUS, cb.cohort_action("status", cid)),
                    Button(texts.BTN_EXPORT, cb.cohort_action("export", cid)),
                ),
            )
        pause = (
            Button(texts.BTN_RESUME_COHORT, cb.cohort_action("resume", cid))
            if cohort.status == "paused"
            else Button(texts.BTN_PAUSE_COHORT, cb.cohort_action("pause", cid))
        )
        return (
            (
                Button(texts.BTN_STATUS, cb.cohort_action("status", cid)),
                Button(texts.BTN_EXPORT, cb.cohort_action("export", cid)),
            ),
            (
                Button(texts.BTN_BROADCAST, cb.cohort_action("broadcast", cid)),
                pause,
                Button(texts.BTN_END_COHORT, cb.cohort_action("end", cid)),
            ),
            (Button(texts.BTN_COFACILITATOR, cb.cohort_action("cofac", cid)),),
        )

    async def cohort_action(self, who: UserInfo, action: str, cohort_id: int) -> Outcome:
        """A button on a cohort: status, export, broadcast, pause, resume, end (asks first),
        end-yes."""
        if action == "broadcast":
            return await self.broadcasts.start(who, cohort_id)
        async with self.t.engine.begin() as conn:
            found = await self._own_cohort(conn, who, cohort_id)
            if isinstance(found, Outcome):
                return found
            cohort = found
            if action == "status":
                text = await self._status_text(conn, cohort, who)
                return Outcome(replies=[Message(who.id, text)], toast="")
            if action == "cofac":
                if cohort.status == "ended":
                    return Outcome(toast=texts.COHORT_ALREADY_ENDED)
                return await self._cofacilitator_invite(conn, who, cohort)
            if action == "export":
                program = self.t.content.programs.get(str(cohort.program_id))
                data = await self.reports.export_csv(conn, cohort, program, who.id)
                name = f"cohort-{cohort.id}.csv"
                caption = texts.EXPORT_CAPTION.format(name=cohort.name)
                return Outcome(replies=[Message(who.id, caption, document=(name, data))], toast="")
            if cohort.status == "ended":
                return Outcome(toast=texts.COHORT_ALREADY_ENDED, edit=Edit(None, ()))
            if action in ("pause", "resume"):
                status = "paused" if action == "pause" else "active"
                await conn.execute(
                    update(cohorts).where(cohorts.c.id == cohort_id).values(status=status)
                )
                fresh = (await conn.execute(select(cohorts).where(cohorts.c.id == cohort_id))).one()
                note = texts.COHORT_PAUSED if action == "pause" else texts.COHORT_RESUMED
                return Outcome(
                    toast=note.format(name=cohort.name)[:190],
                    edit=Edit(self._cohort_line(fresh), self._cohort_buttons(fresh)),
                )
            if action == "end":
                keyboard = (
                    (
                        Button(texts.BTN_END_YES, cb.cohort_action("endyes", cohort_id)),
                        Button(texts.DELETE_NO, cb.cohort_action("status", cohort_id)),
                    ),
                )
                text = texts.COHORT_END_CONFIRM.format(name=cohort.name)
                return Outcome(replies=[Message(who.id, text, keyboard)], toast="")
            await self.end_cohort(conn, cohort)
            return Outcome(
                replies=[Message(who.id, texts.COHORT_ENDED.format(name=cohort.name))],
                edit=Edit(None, ()),
            )

    async def end_cohort(self, conn: AsyncConnection, cohort: Row_) -> None:
        """End a cohort: the enrolment link stops working, enrolled pairs complete and get a
        closing message; their own schedules simply continue."""
        won = await conn.execute(
            update(cohorts)
            .where(cohorts.c.id == cohort.id, cohorts.c.status != "ended")
            .values(status="ended", ended_at=self.t._now())
        )
        if won.rowcount != 1:
            return
        await queues.cancel_due(conn, KIND_COHORT_WEEK, f"cohort:{cohort.id}")
        program = self.t.content.programs.get(str(cohort.program_id))
        enrolled = (
            await conn.execute(
                select(cohort_pairs.c.pair_id).where(
                    cohort_pairs.c.cohort_id == cohort.id, cohort_pairs.c.status == "enrolled"
                )
            )
        ).scalars()
        for pair_id in list(enrolled):
            await conn.execute(
                update(cohort_pairs)
                .where(cohort_pairs.c.cohort_id == cohort.id, cohort_pairs.c.pair_id == pair_id)
                .values(status="completed", left_at=self.t._now())
            )
            pair = (await conn.execute(select(pairs).where(pairs.c.id == pair_id))).first()
            if pair is None or pair.status != "active":
                continue
            await self.t._reschedule_pair(conn, pair)  # their own schedule resumes
            await self._tell_pair(
                conn,
                pair,
                lambda: texts.COHORT_ENDED_COUPLE.format(
                    program=gettext(program.name) if program else cohort.name
                ),
            )
        logger.info("cohort %s ended", cohort.id)

    async def _status_text(self, conn: AsyncConnection, cohort: Row_, who: UserInfo) -> str:
        """Participation only (who takes part); nothing derived from answers."""
        counts: dict[str, int] = dict(
            (
                await conn.execute(
                    select(cohort_pairs.c.status, func.count())
                    .where(cohort_pairs.c.cohort_id == cohort.id)
                    .group_by(cohort_pairs.c.status)
                )
            ).all()
        )
        consented = (
            await conn.execute(
                select(cohort_consents.c.user_id).where(cohort_consents.c.cohort_id == cohort.id)
            )
        ).scalars()
        enrolled_users = {
            (row.user_a, row.user_b)
            for row in (
                await conn.execute(
                    select(pairs.c.user_a, pairs.c.user_b)
                    .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                    .where(cohort_pairs.c.cohort_id == cohort.id)
                )
            ).all()
        }
        in_pairs = {u for pair in enrolled_users for u in pair}
        waiting = len([u for u in consented if u not in in_pairs])
        not_started = await self.invited_not_started(conn, cohort.id)
        program = self.t.content.programs.get(str(cohort.program_id))
        head = texts.COHORT_STATUS.format(
            name=cohort.name,
            program=gettext(program.name) if program else cohort.program_id,
            week=self.week_text(cohort, program),
            enrolled=counts.get("enrolled", 0),
            waiting=waiting,
            not_started=not_started,
            left=counts.get("left", 0),
            completed=counts.get("completed", 0),
        )
        lines = await self.reports.status_lines(
            conn, cohort, program, self.week_index(cohort), who.id
        )
        return "\n\n".join([head, "\n".join(lines)])

    def week_index(self, cohort: Row_, zone: str | None = None) -> int:
        """The program week the cohort is in today (0 = the first; negative before the start),
        by the calendar of ``zone`` (default: the cohort's timezone; a pair's rounds follow
        the pair's own calendar)."""
        today = local_time(self.t._now(), zone or str(cohort.timezone)).date()
        start: date = cohort.start_date
        return (today - start).days // 7

    def week_text(self, cohort: Row_, program: Program | None) -> str:
        """The current week as shown to facilitators and couples."""
        index = self.week_index(cohort)
        if program is None or cohort.status == "ended" or index >= program.weeks:
            return texts.COHORT_WEEK_DONE
        if index < 0:
            return texts.COHORT_WEEK_BEFORE.format(start=self.t._fmt_date(cohort.start_date))
        return texts.COHORT_WEEK_NOW.format(
            n=index + 1, weeks=program.weeks, theme=gettext(program.week(index).theme)
        )

    # ------------------------------------------------------------------ enrolment

    async def cohort_by_token(self, conn: AsyncConnection, token: str) -> Row_ | None:
        """The cohort whose enrolment token this is (only its SHA-256 is stored)."""
        return (
            await conn.execute(
                select(cohorts).where(cohorts.c.enrol_token_hash == token_hash(token))
            )
        ).first()

    async def open_enrolment(self, conn: AsyncConnection, user: Row_, cohort: Row_) -> Outcome:
        """The consent screen for a couple member who opened an enrolment link (or whose
        partner asked them to join); refusals for a paused or ended cohort, or a pair already
        in another one."""
        uid = int(str(user.id))
        if cohort.status == "ended":
            return Outcome(replies=[Message(uid, texts.ENROL_ENDED)])
        if cohort.status == "paused":
            return Outcome(replies=[Message(uid, texts.ENROL_PAUSED)])
        current = await self.cohort_of_user(conn, user)
        if current is not None:
            program = self.t.content.programs.get(str(current.program_id))
            name = gettext(program.name) if program else str(current.name)
            if current.id == cohort.id:
                return Outcome(replies=[Message(uid, texts.ENROL_ALREADY.format(program=name))])
            return Outcome(replies=[Message(uid, texts.ENROL_OTHER_COHORT.format(program=name))])
        await conn.execute(
            update(users).where(users.c.id == uid).values(pending_cohort_id=cohort.id)
        )
        return Outcome(replies=[await self._consent_message(conn, uid, cohort)])

    async def _consent_message(self, conn: AsyncConnection, uid: int, cohort: Row_) -> Message:
        program = self.t.content.programs.get(str(cohort.program_id))
        names = (
            await conn.execute(
                select(users.c.first_name)
                .join(cohort_facilitators, cohort_facilitators.c.user_id == users.c.id)
                .where(cohort_facilitators.c.cohort_id == cohort.id)
                .order_by(users.c.first_name)
            )
        ).scalars()
        text = texts.ENROL_CONSENT.format(
            facilitators=" & ".join(str(n) for n in names) or "Your facilitator",
            program=gettext(program.name) if program else str(cohort.name),
            description=gettext(program.description) if program else "",
            k=self.min_pairs,
        )
        keyboard = (
            (
                Button(texts.BTN_JOIN, cb.consent(int(str(cohort.id)), True)),
                Button(texts.BTN_NOT_JOIN, cb.consent(int(str(cohort.id)), False)),
            ),
        )
        return Message(uid, text, keyboard)

    async def cohort_of_user(self, conn: AsyncConnection, user: Row_) -> Row_ | None:
        """The cohort the user's active pair is enrolled in, if any."""
        if user.pair_id is None:
            return None
        return await self._cohort_of_pair(conn, user.pair_id)

    async def consent(self, who: UserInfo, cohort_id: int, yes: bool) -> Outcome:
        """Join or decline, from the consent screen the sender was shown (the id in the button
        is checked against it). Both partners of a pair must accept; the pair joins when the
        second does. An unpaired user gets a pair invite that carries the cohort."""
        async with self.t.engine.begin() as conn:
            user = await self.t._touch_user(conn, who)
            if user.pending_cohort_id != cohort_id:
                return Outcome(toast=texts.ENROL_NOT_OPENED, edit=Edit(None, ()))
            cohort = (await conn.execute(select(cohorts).where(cohorts.c.id == cohort_id))).first()
            await conn.execute(
                update(users).where(users.c.id == who.id).values(pending_cohort_id=None)
            )
            if cohort is None or cohort.status == "ended":
                return Outcome(replies=[Message(who.id, texts.ENROL_ENDED)], edit=Edit(None, ()))
            if cohort.status == "paused":
                return Outcome(replies=[Message(who.id, texts.ENROL_PAUSED)], edit=Edit(None, ()))
            program = self.t.content.programs.get(str(cohort.program_id))
            program_name = gettext(program.name) if program else str(cohort.name)
            found = await self.t._pair_of(conn, user)
            if not yes:
                # Both decide afresh next time: a partner's earlier Join no longer counts.
                declined = [who.id] + ([int(str(found[1].id))] if found is not None else [])
                await conn.execute(
                    delete(cohort_consents).where(
                        cohort_consents.c.cohort_id == cohort_id,
                        cohort_consents.c.user_id.in_(declined),
                    )
                )
                if found is not None and found[1].active:
                    partner = found[1]
                    with self.t._speaking(partner):
                        text = texts.ENROL_DECLINED_PARTNER.format(
                            name=user.first_name, program=program_name
                        )
                    await self.t._tell(conn, Message(int(str(partner.id)), text))
                return Outcome(replies=[Message(who.id, texts.ENROL_DECLINED)], edit=Edit(None, ()))
            if await self.cohort_of_user(conn, user) is not None:
                return Outcome(
                    replies=[
                        Message(who.id, texts.ENROL_OTHER_COHORT.format(program=program_name))
                    ],
                    edit=Edit(None, ()),
                )
            await self._record_consent(conn, cohort_id, who.id)
            if found is None:
                link = await self._pair_invite_for(conn, who.id, cohort_id)
                text = texts.ENROL_UNPAIRED.format(link=link)
                return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))
            pair, partner = found
            agreed = (
                await conn.execute(
                    select(cohort_consents.c.user_id).where(
                        cohort_consents.c.cohort_id == cohort_id,
                        cohort_consents.c.user_id == partner.id,
                    )
                )
            ).first()
            if agreed is None:
                await self.ask_partner(conn, cohort, user, partner)
                text = texts.ENROL_WAITING.format(partner=partner.first_name)
                return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))
            return await self._enrol(conn, cohort, pair, program)

    async def _record_consent(self, conn: AsyncConnection, cohort_id: int, user_id: int) -> None:
        exists = (
            await conn.execute(
                select(cohort_consents.c.user_id).where(
                    cohort_consents.c.cohort_id == cohort_id, cohort_consents.c.user_id == user_id
                )
            )
        ).first()
        if exists is None:
            await conn.execute(
                insert(cohort_consents).values(
                    cohort_id=cohort_id, user_id=user_id, accepted_at=self.t._now()
                )
            )

    async def ask_partner(
        self, conn: AsyncConnection, cohort: Row_, user: Row_, partner: Row_
    ) -> None:
        """Show the partner (who has started the bot: they are paired) the consent screen."""
        if not partner.active:
            return
        pid = int(str(partner.id))
        await conn.execute(
            update(users).where(users.c.id == pid).values(pending_cohort_id=cohort.id)
        )
        with self.t._speaking(partner):
            intro = texts.ENROL_PARTNER_ASKED.format(name=user.first_name)
            screen = await self._consent_message(conn, pid, cohort)
        await self.t._tell(conn, Message(pid, intro + "\n\n" + screen.text, screen.buttons))

    async def _pair_invite_for(self, conn: AsyncConnection, user_id: int, cohort_id: int) -> str:
        """A single-use pair invite that, once accepted, asks the invitee to join the cohort."""
        token = await issue_invite(
            conn,
            inviter_id=user_id,
            kind="pair",
            now=self.t._now(),
            ttl=PAIR_INVITE_TTL,
            cohort_id=cohort_id,
        )
        return deep_link(self.t.bot_username, token)

    async def after_pairing(
        self, conn: AsyncConnection, cohort_id: int, inviter: Row_, invitee: Row_
    ) -> None:
        """A pair formed from a cohort's invite: ask the invitee to join (the inviter already
        accepted), unless the cohort no longer takes couples."""
        cohort = (await conn.execute(select(cohorts).where(cohorts.c.id == cohort_id))).first()
        if cohort is None or cohort.status != "active":
            return
        await self.ask_partner(conn, cohort, inviter, invitee)

    async def _enrol(
        self, conn: AsyncConnection, cohort: Row_, pair: Row_, program: Program | None
    ) -> Outcome:
        """Both partners accepted: the pair joins (once; a pair is in at most one cohort)."""
        existing = (
            await conn.execute(
                select(cohort_pairs).where(
                    cohort_pairs.c.cohort_id == cohort.id, cohort_pairs.c.pair_id == pair.id
                )
            )
        ).first()
        now = self.t._now()
        if existing is None:
            await conn.execute(
                insert(cohort_pairs).values(
                    cohort_id=cohort.id, pair_id=pair.id, status="enrolled", joined_at=now
                )
            )
        else:
            await conn.execute(
                update(cohort_pairs)
                .where(cohort_pairs.c.cohort_id == cohort.id, cohort_pairs.c.pair_id == pair.id)
                .values(status="enrolled", joined_at=now, left_at=None)
            )
        await self._tell_pair(conn, pair, lambda: self._joined_text(cohort, program))
        members = [m for m in (pair.user_a, pair.user_b) if m is not None]
        await conn.execute(
            delete(cohort_consents).where(
                cohort_consents.c.user_id.in_(members), cohort_consents.c.cohort_id != cohort.id
            )
        )
        await self.t._reschedule_pair(conn, pair)
        logger.info("pair %s joined cohort %s", pair.id, cohort.id)
        return Outcome(edit=Edit(None, ()), toast="")

    def _joined_text(self, cohort: Row_, program: Program | None) -> str:
        name = gettext(program.name) if program else str(cohort.name)
        if self.week_index(cohort) >= 0:
            return texts.ENROL_JOINED_WEEK.format(program=name)
        return texts.ENROL_JOINED.format(
            program=name, start=self.t._fmt_date(cohort.start_date), days=self._days_text(cohort)
        )

    # ------------------------------------------------------------------ the program's weeks

    async def enrolment(
        self, conn: AsyncConnection, pair: Row_
    ) -> tuple[Row_, Program, int] | None:
        """The cohort, program and week index (0 = first) when the pair takes part in a running
        program week today; None before the start, after the end, or when not enrolled."""
        cohort = await self._cohort_of_pair(conn, pair.id)
        if cohort is None:
            return None
        program = self.t.content.programs.get(str(cohort.program_id))
        index = self.week_index(cohort, str(pair.timezone))
        if program is None or not 0 <= index < program.weeks:
            return None
        return cohort, program, index

    async def program_cadence(self, conn: AsyncConnection, pair: Row_) -> Cadence | None:
        """While the pair takes part in a program week: rounds on the cohort's check-in days
        at the pair's own time of day, in the pair's timezone; otherwise None."""
        found = await self.enrolment(conn, pair)
        if found is None:
            return None
        cohort = found[0]
        own = self.t._cadence(pair)
        days = tuple(sorted(int(d) for d in str(cohort.checkin_days).split(",") if d))
        return Cadence(Frequency.DAYS, own.time_of_day, own.timezone, days=days)

    async def program_round(
        self, conn: AsyncConnection, pair: Row_
    ) -> tuple[list[Question], Program, int, int, bool] | None:
        """The pair's next program round this week: its questions (the interdependence check
        first in the first and the last week, then the week's questions in order, cycling),
        the program, the cohort's id and week index, and whether it is the week's first
        round (the week's message goes with it). None when the pair is not in a program week
        (rounds come from the bank)."""
        found = await self.enrolment(conn, pair)
        if found is None:
            return None
        cohort, program, index = found
        cohort_id = int(str(cohort.id))
        asked = (
            await conn.execute(
                select(func.count())
                .select_from(rounds)
                .where(
                    rounds.c.pair_id == pair.id,
                    rounds.c.origin == "program",
                    rounds.c.cohort_id == cohort_id,
                    rounds.c.cohort_week == index,
                )
            )
        ).scalar_one()
        bank = self.t.content.questions
        first = asked == 0
        if program.has_check(index):
            if asked == 0:
                check = [bank[q] for q in program.check if q in bank]
                return check, program, cohort_id, index, first
            asked -= 1
        week = program.week(index)
        ids = [q for q in week.questions if q in bank]
        if not ids:
            return None
        return [bank[ids[asked % len(ids)]]], program, cohort_id, index, first

    async def week_messages(
        self, conn: AsyncConnection, pair: Row_, program: Program, index: int
    ) -> None:
        """Queue week ``index``'s message and exercise for both partners (with the week's
        first program round, so each pair reads it on its own calendar)."""
        week = program.week(index)
        exercise = self.t.content.exercises.get(week.exercise)
        await self._send_week(conn, pair, program, index, week, exercise)

    async def schedule_weeks(self, conn: AsyncConnection, cohort: Row_) -> None:
        """Put the cohort's next week boundary in due work (its message goes out then)."""
        at = self._next_week_start(cohort)
        if at is not None:
            now = self.t._now()
            await queues.schedule_due(conn, KIND_COHORT_WEEK, f"cohort:{cohort.id}", at, now)

    def _week_start_instant(self, cohort: Row_, index: int) -> datetime:
        day = cohort.start_date + timedelta(days=7 * index)
        local = datetime.combine(day, WEEK_MESSAGE_AT, ZoneInfo(str(cohort.timezone)))
        return local.astimezone(UTC)

    def _next_week_start(self, cohort: Row_) -> datetime | None:
        program = self.t.content.programs.get(str(cohort.program_id))
        if program is None:
            return None
        now = self.t._now()
        for index in range(program.weeks + 1):
            at = self._week_start_instant(cohort, index)
            if at > now - timedelta(minutes=1):
                return at
        return None

    async def due_week(self, item: DueItem, now: datetime) -> datetime | None:
        """A week boundary of a cohort (subject ``cohort:<id>``, 09:00 on the week's first day in
        the cohort's timezone): freeze every finished week not yet frozen (also after downtime),
        move enrolled pairs' schedules onto the program (or back to their own after the last
        week, which ends the cohort) and schedule the coming prep questions. Returns the next
        boundary. The week's message goes out with each pair's first program round."""
        cohort_id = int(item.subject.split(":")[1])
        async with self.t.engine.begin() as conn:
            cohort = (await conn.execute(select(cohorts).where(cohorts.c.id == cohort_id))).first()
            if cohort is None or cohort.status == "ended":
                return None
            program = self.t.content.programs.get(str(cohort.program_id))
            index = self.week_index(cohort)
            if program is not None:
                for finished in range(0, min(index, program.weeks)):
                    await self.reports.freeze(conn, cohort, finished, program)
            if program is None or index >= program.weeks:
                await self.end_cohort(conn, cohort)
                return None
            for pair in await self._enrolled_pairs(conn, cohort_id):
                # After downtime, a program slot less than two hours ago still opens.
                await self.t._reschedule_pair(conn, pair, after=now - MAX_LATENESS)
            await self.schedule_preps(conn, cohort, program)
            return self._week_start_instant(cohort, max(index, -1) + 1)

    async def schedule_preps(self, conn: AsyncConnection, cohort: Row_, program: Program) -> None:
        """Put every coming prep question (the day before each week's live session, 10:00 in
        the cohort's timezone) in due work; idempotent."""
        now = self.t._now()
        for index, week in enumerate(program.schedule):
            at = self._prep_instant(cohort, index)
            if at is not None and at > now and week.prep_question:
                subject = f"cohort:{cohort.id}:{index}"
                await queues.schedule_due(conn, KIND_COHORT_PREP, subject, at, now)

    async def _enrolled_pairs(self, conn: AsyncConnection, cohort_id: int) -> list[Row_]:
        return list(
            (
                await conn.execute(
                    select(pairs)
                    .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                    .where(
                        cohort_pairs.c.cohort_id == cohort_id,
                        cohort_pairs.c.status == "enrolled",
                        pairs.c.status == "active",
                    )
                )
            ).all()
        )

    async def _send_week(
        self,
        conn: AsyncConnection,
        pair: Row_,
        program: Program,
        index: int,
        week: ProgramWeek,
        exercise: Exercise | None,
    ) -> None:
        def build() -> str:
            text = texts.COHORT_WEEK_MESSAGE.format(
                n=index + 1,
                weeks=program.weeks,
                theme=gettext(week.theme),
                message=gettext(week.message),
            )
            if exercise is not None:
                text += "\n\n" + texts.COHORT_WEEK_EXERCISE + "\n\n" + exercise_text(exercise)
            return text

        await self._tell_pair(conn, pair, build)

    def _prep_instant(self, cohort: Row_, index: int) -> datetime | None:
        week_start = cohort.start_date + timedelta(days=7 * index)
        session = session_instant(cohort, week_start)
        if session is None:
            return None
        day_before = session.date() - timedelta(days=1)
        local = datetime.combine(day_before, PREP_AT, ZoneInfo(str(cohort.timezone)))
        return local.astimezone(UTC)

    async def due_prep(self, item: DueItem, now: datetime) -> datetime | None:
        """The prep question, the day before the week's live session, to every enrolled
        partner (subject ``cohort:<id>:<week index>``)."""
        _, cohort_id_s, index_s = item.subject.split(":")
        async with self.t.engine.begin() as conn:
            cohort = (
                await conn.execute(select(cohorts).where(cohorts.c.id == int(cohort_id_s)))
            ).first()
            if cohort is None or cohort.status != "active":
                return None
            program = self.t.content.programs.get(str(cohort.program_id))
            index = int(index_s)
            if program is None or index >= program.weeks:
                return None
            question = program.week(index).prep_question
            if not question:
                return None
            for pair in await self._enrolled_pairs(conn, int(cohort_id_s)):
                await self._tell_pair(
                    conn, pair, lambda: texts.COHORT_PREP.format(question=gettext(question))
                )
        return None

    # ------------------------------------------------------------------ a couple's view

    async def show(self, who: UserInfo) -> Outcome:
        """``/cohort``: the program, who runs it, the current week and its message."""
        async with self.t.engine.begin() as conn:
            user = await self.t._touch_user(conn, who)
            cohort = await self.cohort_of_user(conn, user)
            if cohort is None:
                return Outcome(replies=[Message(who.id, texts.COHORT_NONE_YOU)])
            program = self.t.content.programs.get(str(cohort.program_id))
            names = (
                await conn.execute(
                    select(users.c.first_name)
                    .join(cohort_facilitators, cohort_facilitators.c.user_id == users.c.id)
                    .where(cohort_facilitators.c.cohort_id == cohort.id)
                )
            ).scalars()
        index = self.week_index(cohort)
        message = ""
        if program is not None and 0 <= index < program.weeks:
            message = gettext(program.week(index).message)
        text = texts.COHORT_YOU.format(
            program=gettext(program.name) if program else cohort.name,
            facilitators=" & ".join(str(n) for n in names),
            week=self.week_text(cohort, program),
            message=message,
        )
        return Outcome(replies=[Message(who.id, text.rstrip())])

    async def ask_leave(self, who: UserInfo) -> Outcome:
        """``/leave_cohort``: asks first."""
        async with self.t.engine.begin() as conn:
            user = await self.t._touch_user(conn, who)
            cohort = await self.cohort_of_user(conn, user)
        if cohort is None:
            return Outcome(replies=[Message(who.id, texts.COHORT_NONE_YOU)])
        program = self.t.content.programs.get(str(cohort.program_id))
        keyboard = (
            (
                Button(texts.BTN_LEAVE_YES, cb.leave(int(str(cohort.id)), True)),
                Button(texts.DELETE_NO, cb.leave(int(str(cohort.id)), False)),
            ),
        )
        text = texts.LEAVE_CONFIRM.format(program=gettext(program.name) if program else cohort.name)
        return Outcome(replies=[Message(who.id, text, keyboard)])

    async def leave(self, who: UserInfo, cohort_id: int, yes: bool) -> Outcome:
        """Leave the cohort the sender's pair is in (the id in the button must match it); the
        partner is told; facilitators see only that a couple left."""
        if not yes:
            return Outcome(replies=[Message(who.id, texts.KEPT)], edit=Edit(None, ()))
        async with self.t.engine.begin() as conn:
            user = await self.t._touch_user(conn, who)
            cohort = await self.cohort_of_user(conn, user)
            if cohort is None or cohort.id != cohort_id:
                return Outcome(toast=texts.BUTTON_STALE, edit=Edit(None, ()))
            await conn.execute(
                update(cohort_pairs)
                .where(
                    cohort_pairs.c.cohort_id == cohort_id,
                    cohort_pairs.c.pair_id == user.pair_id,
                )
                .values(status="left", left_at=self.t._now())
            )
            found = await self.t._pair_of(conn, user)
            if found is not None:
                await self.t._reschedule_pair(conn, found[0])  # back to their own schedule
            members = [who.id] + ([int(str(found[1].id))] if found is not None else [])
            # Joining again later asks both for consent again.
            await conn.execute(
                delete(cohort_consents).where(
                    cohort_consents.c.cohort_id == cohort_id,
                    cohort_consents.c.user_id.in_(members),
                )
            )
            program = self.t.content.programs.get(str(cohort.program_id))
            name = gettext(program.name) if program else str(cohort.name)
            if found is not None and found[1].active:
                partner = found[1]
                with self.t._speaking(partner):
                    pname = gettext(program.name) if program else str(cohort.name)
                    text = texts.LEAVE_PARTNER.format(name=user.first_name, program=pname)
                await self.t._tell(conn, Message(int(str(partner.id)), text))
        return Outcome(
            replies=[Message(who.id, texts.LEAVE_DONE.format(program=name))], edit=Edit(None, ())
        )


WEEK_MESSAGE_AT = time(9, 0)
PREP_AT = time(10, 0)
KIND_COHORT_WEEK = "cohort_week"
KIND_COHORT_PREP = "cohort_prep"


def session_instant(cohort: Row_, week_start: date) -> datetime | None:
    """The live session of the week starting ``week_start`` as a naive local datetime in the
    cohort's timezone, or None when the cohort has no live session."""
    if cohort.session_weekday is None or cohort.session_time is None:
        return None
    day = week_start + timedelta(days=(int(str(cohort.session_weekday)) - week_start.weekday()) % 7)
    hh, mm = str(cohort.session_time).split(":")
    return datetime.combine(day, time(int(hh), int(mm)))
