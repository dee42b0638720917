"""Exercises after a reveal: triggers, "both choose", reminders and the follow-up.

After a round is revealed, :meth:`ExerciseFlow.after_reveal` looks at the answers and the pair's
recent rounds and may make an *offer*: two or three exercises that each partner picks from
privately (or "not now"). Picks follow the same rule as answers (DESIGN.md, a round's life):
neither sees the other's pick until both picked, and the moment both have is decided once by a
conditional update. Agreeing schedules a follow-up two days later, which is a round of its own
(one scale question, revealed like any round).

Triggers (issue 3):

* ``mismatch``: a question's answers pulled apart by its rule; the question names the options.
* ``repeated``: the same dimension mismatched in 2 of the pair's last 4 rounds: deeper exercises.
* ``both_low``: both answered 1 or 2 on a question whose low end signals a concern.
* a dimension whose gap is closing (it mismatched last time, it is closer now) gets a word of
  encouragement instead of an exercise.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.i18n import gettext, speaking
from bot.storage import queues
from bot.storage.tables import (
    exercise_offers,
    exercise_picks,
    pairs,
    rounds,
    users,
)
from content.schema import Dimension, Exercise, Gap, Question, ScaleLabels, Trigger
from scheduler.cadence import is_night, local_time, next_morning, parse_time_of_day
from scheduler.due import DueItem

if TYPE_CHECKING:
    from bot.domain.legacy.service import Tandem, UserInfo

logger = logging.getLogger(__name__)

KIND_FOLLOWUP = "followup"
KIND_EXERCISE_REMIND = "exercise_remind"
FOLLOWUP_AFTER = timedelta(days=2)
FOLLOWUP_TTL = timedelta(hours=24)
FOLLOWUP_PREFIX = "followup-"
#: Reminders further out than this are refused (a forged or very old button).
REMIND_HORIZON = timedelta(days=30)
#: A reminder or follow-up that comes due this late (the bot was down) is dropped/moved.
STALE_AFTER = timedelta(hours=2)
#: Rounds looked at for the ``repeated`` trigger, and how many of them must have mismatched.
REPEAT_WINDOW = 4
REPEAT_MIN = 2
#: Scale answers at or below this count as low for ``both_low``.
LOW_MAX = 2
NOT_NOW = "none"
AWAIT_REMIND = "remind"

Pair = Row[tuple[object, ...]]


def followup_question(question_id: str) -> Question:
    """The built-in follow-up question for ``question_id`` = ``followup-<dimension>``.

    Raises KeyError when the id is neither that nor a dimension (a question removed from the
    bank after it was asked is treated the same way by callers).
    """
    if not question_id.startswith(FOLLOWUP_PREFIX):
        raise KeyError(question_id)
    try:
        dimension = Dimension(question_id.removeprefix(FOLLOWUP_PREFIX))
    except ValueError as exc:
        raise KeyError(question_id) from exc
    return Question(
        id=question_id,
        dimension=dimension,
        depth="light",
        kind="scale",
        text=texts.source("FOLLOWUP_QUESTION"),
        scale=ScaleLabels(low=texts.source("FOLLOWUP_LOW"), high=texts.source("FOLLOWUP_HIGH")),
    )


@dataclass
class Findings:
    """What one revealed round's answers show (see :meth:`ExerciseFlow.findings`)."""

    #: questions both partners answered (a pass on either side leaves a question out)
    answered: list[Question] = field(default_factory=list)
    mismatched: list[Question] = field(default_factory=list)
    both_low: list[Question] = field(default_factory=list)
    #: per dimension: the largest numeric gap between the partners' answers in this round
    gaps: dict[Dimension, int] = field(default_factory=dict)
    gap_kinds: dict[Dimension, Gap] = field(default_factory=dict)


class ExerciseFlow:
    """Offers, picks, reminders and follow-ups; one per :class:`Tandem`, sharing its database,
    clock and helpers. Every method checks that the sender belongs to the offer's pair."""

    def __init__(self, tandem: Tandem) -> None:
        self.t = tandem

    # ------------------------------------------------------------------ after a reveal

    async def findings(self, conn: AsyncConnection, round_id: int, pair: Pair) -> Findings:
        """Mismatches, both-low answers and gaps of one round, from both partners' answers.

        Only for a revealed round: answers are read here, never shown.
        """
        result = Findings()
        asked, given = await self.t._round_answers(conn, round_id)
        for rq in asked:
            if str(rq.question_id).startswith(FOLLOWUP_PREFIX):
                continue  # how an exercise went is not a difference between the partners
            try:
                question = self.t._question(rq.question_id)
            except KeyError:
                continue
            a = given.get((rq.position, pair.user_a))
            b = given.get((rq.position, pair.user_b))
            if a is None or b is None or a.skipped or b.skipped:
                continue
            first, second = str(a.value), str(b.value)
            result.answered.append(question)
            gap = question.gap(first, second)
            if gap is Gap.MISMATCH:
                result.mismatched.append(question)
            x, y = question.numeric(first), question.numeric(second)
            if x is not None and y is not None:
                dim = question.dimension
                result.gaps[dim] = max(result.gaps.get(dim, 0), abs(x - y))
                if gap is Gap.MISMATCH or dim not in result.gap_kinds:
                    result.gap_kinds[dim] = gap
                if question.low_is_concern and max(x, y) <= LOW_MAX:
                    result.both_low.append(question)
        return result

    async def after_reveal(
        self, conn: AsyncConnection, round_: Row[tuple[object, ...]], pair: Pair
    ) -> list[Message]:
        """The messages that follow a reveal: an offer (each partner's own copy) and words of
        encouragement. Writes the offer; cancels an older offer still being picked."""
        if round_.kind == "followup":
            return []
        found = await self.findings(conn, int(round_.id), pair)
        history = await self._recent_findings(conn, pair, before=int(round_.id))
        messages: list[Message] = []
        offer = await self._choose_offer(conn, pair, found, history[: REPEAT_WINDOW - 1])
        if offer is not None:
            trigger, dimension, options = offer
            messages.extend(
                await self._make_offer(conn, pair, int(round_.id), trigger, dimension, options)
            )
        languages = await self._languages(conn, pair)
        for dimension, gap in found.gaps.items():
            if found.gap_kinds.get(dimension) is Gap.MISMATCH:
                continue
            previous = next((f for f in history if dimension in f.gaps), None)
            if previous is None:
                continue
            if previous.gap_kinds.get(dimension) is Gap.MISMATCH and gap < previous.gaps[dimension]:
                for member, language in languages.items():
                    with speaking(language):
                        text = texts.ENCOURAGE.format(dimension=gettext(dimension.label))
                    messages.append(Message(member, text))
        return messages

    async def _recent_findings(
        self, conn: AsyncConnection, pair: Pair, before: int
    ) -> list[Findings]:
        """Findings of the pair's revealed rounds before round ``before``, newest first (at
        most the last dozen: enough for the ``repeated`` window and the closing-gap check)."""
        ids = (
            await conn.execute(
                select(rounds.c.id)
                .where(
                    rounds.c.pair_id == pair.id,
                    rounds.c.status == "revealed",
                    rounds.c.kind != "followup",
                    rounds.c.id < before,
                )
                .order_by(rounds.c.id.desc())
                .limit(12)
            )
        ).scalars()
        return [await self.findings(conn, int(i), pair) for i in list(ids)]

    async def _choose_offer(
        self,
        conn: AsyncConnection,
        pair: Pair,
        found: Findings,
        earlier: Sequence[Findings],
    ) -> tuple[Trigger, Dimension, list[str]] | None:
        bank = self.t.content
        offered = await self._offer_counts(conn, pair)

        def freshest(candidates: Sequence[Exercise], extra: Sequence[str] = ()) -> list[str]:
            ids = [e.id for e in candidates]
            ordered = sorted(ids, key=lambda i: (offered.get(i, 0), ids.index(i)))[:3]
            for more in extra:
                if len(ordered) >= 2:
                    break
                if more not in ordered:
                    ordered.append(more)
            return ordered

        for question in found.mismatched:
            dim = question.dimension
            rule = question.mismatch.exercises if question.mismatch else ()
            times = 1 + sum(1 for f in earlier if any(q.dimension is dim for q in f.mismatched))
            if times >= REPEAT_MIN:
                deeper = freshest(bank.exercises_for(dim, Trigger.REPEATED), rule)
                if deeper:
                    return Trigger.REPEATED, dim, deeper
        for question in found.mismatched:
            if question.mismatch is not None:
                return Trigger.MISMATCH, question.dimension, list(question.mismatch.exercises)
        for question in found.both_low:
            dim = question.dimension
            joint = freshest(
                bank.exercises_for(dim, Trigger.BOTH_LOW),
                [e.id for e in bank.exercises_for(dim, Trigger.MISMATCH)],
            )
            if joint:
                return Trigger.BOTH_LOW, dim, joint
        return None

    async def _offer_counts(self, conn: AsyncConnection, pair: Pair) -> dict[str, int]:
        counts: dict[str, int] = {}
        for options in (
            await conn.execute(
                select(exercise_offers.c.options).where(exercise_offers.c.pair_id == pair.id)
            )
        ).scalars():
            for exercise_id in str(options).split(","):
                counts[exercise_id] = counts.get(exercise_id, 0) + 1
        return counts

    async def _make_offer(
        self,
        conn: AsyncConnection,
        pair: Pair,
        round_id: int,
        trigger: Trigger,
        dimension: Dimension,
        options: list[str],
    ) -> list[Message]:
        now = self.t._now()
        await conn.execute(
            update(exercise_offers)
            .where(exercise_offers.c.pair_id == pair.id, exercise_offers.c.status == "open")
            .values(status="cancelled", closed_at=now)
        )
        offer_id = (
            await conn.execute(
                insert(exercise_offers)
                .values(
                    pair_id=pair.id,
                    round_id=round_id,
                    trigger=trigger.value,
                    dimension=dimension.value,
                    options=",".join(options),
                    status="open",
                    created_at=now,
                )
                .returning(exercise_offers.c.id)
            )
        ).scalar_one()
        logger.info("pair %s: offer %s (%s, %s)", pair.id, offer_id, trigger, dimension)
        names = await self._names(conn, pair)
        languages = await self._languages(conn, pair)
        exercises = [self.t.content.exercise(e) for e in options]
        messages = []
        for member, language in languages.items():
            other = names[int(str(pair.user_b if member == pair.user_a else pair.user_a))]
            with speaking(language):
                messages.append(
                    self._offer_message(member, offer_id, trigger, dimension, exercises, other)
                )
        return messages

    @staticmethod
    def _offer_message(
        member: int,
        offer_id: int,
        trigger: Trigger,
        dimension: Dimension,
        exercises: Sequence[Exercise],
        other: str,
    ) -> Message:
        """One partner's copy of an offer, in the language in force."""
        header = {
            Trigger.MISMATCH: texts.OFFER_MISMATCH,
            Trigger.REPEATED: texts.OFFER_REPEATED,
            Trigger.BOTH_LOW: texts.OFFER_BOTH_LOW,
        }[trigger].format(dimension=gettext(dimension.label))
        lines = [
            texts.OFFER_OPTION.format(
                n=n,
                title=gettext(e.title),
                kind=texts.EXERCISE_KINDS[e.kind.value],
                minutes=e.minutes,
                why=gettext(e.why),
            )
            for n, e in enumerate(exercises, start=1)
        ]
        keyboard: Keyboard = (
            *(
                (Button(f"{n}. {gettext(e.title)}", cb.pick(offer_id, str(n - 1))),)
                for n, e in enumerate(exercises, start=1)
            ),
            (Button(texts.BTN_NOT_NOW, cb.pick(offer_id, "n")),),
        )
        text = "\n\n".join([header, *lines, texts.OFFER_ASK.format(partner=other)])
        return Message(member, text, keyboard)

    async def waiting_for(
        self, conn: AsyncConnection, pair: Pair, user: Row[tuple[object, ...]]
    ) -> list[Message]:
        """The offer still waiting for ``user``'s pick, again (for a partner coming back after
        blocking the bot, whose copy never arrived); an empty list when there is none."""
        offer = (
            await conn.execute(
                select(exercise_offers).where(
                    exercise_offers.c.pair_id == pair.id, exercise_offers.c.status == "open"
                )
            )
        ).first()
        if offer is None:
            return []
        picked = (
            await conn.execute(
                select(exercise_picks.c.pick).where(
                    exercise_picks.c.offer_id == offer.id, exercise_picks.c.user_id == user.id
                )
            )
        ).first()
        if picked is not None:
            return []
        names = await self._names(conn, pair)
        other = names.get(int(str(pair.user_b if pair.user_a == user.id else pair.user_a)), "")
        exercises = [
            self.t.content.exercises[e]
            for e in str(offer.options).split(",")
            if e in self.t.content.exercises
        ]
        with self.t._speaking(user):
            message = self._offer_message(
                int(str(user.id)),
                int(offer.id),
                Trigger(str(offer.trigger)),
                Dimension(str(offer.dimension)),
                exercises,
                other,
            )
        return [message]

    async def _languages(self, conn: AsyncConnection, pair: Pair) -> dict[int, str | None]:
        """Each partner's Telegram language, by user id (user_a first)."""
        rows = {
            int(r.id): r.language_code
            for r in (
                await conn.execute(
                    select(users.c.id, users.c.language_code).where(
                        users.c.id.in_([pair.user_a, pair.user_b])
                    )
                )
            ).all()
        }
        order = [int(str(m)) for m in (pair.user_a, pair.user_b) if m is not None]
        return {m: rows.get(m) for m in order if m in rows}

    async def _names(self, conn: AsyncConnection, pair: Pair) -> dict[int, str]:
        rows = (
            await conn.execute(
                select(users.c.id, users.c.first_name).where(
                    users.c.id.in_([pair.user_a, pair.user_b])
                )
            )
        ).all()
        return {int(r.id): str(r.first_name) for r in rows}

    # ------------------------------------------------------------------ picks

    async def _offer_for(
        self, conn: AsyncConnection, who: UserInfo, offer_id: int
    ) -> tuple[Row[tuple[object, ...]], Pair, Row[tuple[object, ...]]] | Outcome:
        """The offer, its pair and the user, when the sender belongs to the offer's active
        pair; otherwise the reply to give (the same for an unknown and another pair's id)."""
        user = await self.t._touch_user(conn, who)
        offer = (
            await conn.execute(select(exercise_offers).where(exercise_offers.c.id == offer_id))
        ).first()
        if offer is None or user.pair_id != offer.pair_id:
            if offer is not None and await self._was_member(conn, offer.pair_id, who.id):
                return Outcome(toast=texts.OFFER_CLOSED, edit=Edit(None, ()))
            return Outcome(toast=texts.BUTTON_NOT_YOURS)
        pair = (await conn.execute(select(pairs).where(pairs.c.id == offer.pair_id))).one()
        return offer, pair, user

    async def _was_member(self, conn: AsyncConnection, pair_id: object, user_id: int) -> bool:
        row = (await conn.execute(select(pairs).where(pairs.c.id == pair_id))).first()
        return row is not None and user_id in (row.user_a, row.user_b)

    @staticmethod
    def _option(offer: Row[tuple[object, ...]], choice: str) -> str | None:
        """The exercise id (or NOT_NOW) a button's choice names, or None when it names none."""
        if choice == "n":
            return NOT_NOW
        options = str(offer.options).split(",")
        if choice.isdigit() and int(choice) < len(options):
            return options[int(choice)]
        return None

    def _pick_label(self, pick: str) -> str:
        """A pick as shown (in the language in force): the exercise's title or "not now"."""
        if pick == NOT_NOW:
            return texts.PICK_NONE
        exercise = self.t.content.exercises.get(pick)
        return gettext(exercise.title) if exercise is not None else pick

    async def pick(self, who: UserInfo, offer_id: int, choice: str) -> Outcome:
        """A partner's private pick (an option index or ``n`` for not now) for an open offer.

        When both have picked, exactly one caller (a conditional update) tells both: the same
        exercise (with its steps and a reminder offer), both "not now", or both picks side by
        side with a way to decide. Until then the partner only learns that a pick is waiting.
        """
        async with self.t.engine.begin() as conn:
            found = await self._offer_for(conn, who, offer_id)
            if isinstance(found, Outcome):
                return found
            offer, pair, user = found
            if offer.status != "open":
                text = texts.OFFER_REPLACED if offer.status == "cancelled" else texts.OFFER_CLOSED
                return Outcome(toast=text, edit=Edit(None, ()))
            pick = self._option(offer, choice)
            if pick is None:
                return Outcome(toast=texts.BUTTON_STALE)
            # Serialise picks on this offer (row lock on PostgreSQL; SQLite serialises writers).
            still = await conn.execute(
                update(exercise_offers)
                .where(exercise_offers.c.id == offer_id, exercise_offers.c.status == "open")
                .values(status="open")
            )
            if still.rowcount != 1:
                return Outcome(toast=texts.OFFER_CLOSED, edit=Edit(None, ()))
            now = self.t._now()
            had = (
                await conn.execute(
                    select(exercise_picks.c.pick).where(
                        exercise_picks.c.offer_id == offer_id, exercise_picks.c.user_id == who.id
                    )
                )
            ).first()
            if had is None:
                await conn.execute(
                    insert(exercise_picks).values(
                        offer_id=offer_id, user_id=who.id, pick=pick, picked_at=now
                    )
                )
            else:
                await conn.execute(
                    update(exercise_picks)
                    .where(
                        exercise_picks.c.offer_id == offer_id, exercise_picks.c.user_id == who.id
                    )
                    .values(pick=pick, picked_at=now)
                )
            picks = dict(
                (
                    await conn.execute(
                        select(exercise_picks.c.user_id, exercise_picks.c.pick).where(
                            exercise_picks.c.offer_id == offer_id
                        )
                    )
                ).all()
            )
            partner_id = int(str(pair.user_b if pair.user_a == who.id else pair.user_a))
            names = await self._names(conn, pair)
            if partner_id in picks:
                await self._both_picked(conn, offer, pair, picks, names)
                return Outcome(toast=texts.PICK_TOAST, edit=Edit(None, ()))
            if had is None:
                partner = await self.t._user(conn, partner_id)
                if partner is not None:
                    with self.t._speaking(partner):
                        text = texts.PICK_WAITING.format(name=user.first_name)
                    await self.t._tell(conn, Message(partner_id, text))
            saved = texts.PICK_SAVED.format(
                pick=self._pick_label(pick), partner=names.get(partner_id, "")
            )
            # Through the outbox: if the partner's pick commits right after (another process),
            # "your picks are in" still follows this in the chat.
            await self.t._tell(conn, Message(who.id, saved))
            return Outcome(toast=texts.PICK_TOAST)

    async def _both_picked(
        self,
        conn: AsyncConnection,
        offer: Row[tuple[object, ...]],
        pair: Pair,
        picks: dict[int, str],
        names: dict[int, str],
    ) -> None:
        a, b = picks[int(str(pair.user_a))], picks[int(str(pair.user_b))]
        if a == b == NOT_NOW:
            if await self._close(conn, int(offer.id), "open", "declined", None):
                for member, language in (await self._languages(conn, pair)).items():
                    with speaking(language):
                        text = texts.OFFER_DECLINED_BOTH
                    await self.t._tell(conn, Message(member, text))
            return
        if a == b:
            if await self._close(conn, int(offer.id), "open", "agreed", a):
                await self._agreed(conn, offer, pair, a, None, names)
            return
        if not await self._close(conn, int(offer.id), "open", "differed", None):
            return
        distinct = [p for p in dict.fromkeys((a, b)) if p != NOT_NOW]
        options = str(offer.options).split(",")
        languages = await self._languages(conn, pair)
        for me, other in ((pair.user_a, pair.user_b), (pair.user_b, pair.user_a)):
            me_id, other_id = int(str(me)), int(str(other))
            with speaking(languages.get(me_id)):
                keyboard: Keyboard = (
                    *(
                        (
                            Button(
                                self._pick_label(p),
                                cb.decide(int(offer.id), str(options.index(p))),
                            ),
                        )
                        for p in distinct
                    ),
                    (Button(texts.BTN_NOT_THIS_TIME, cb.decide(int(offer.id), "n")),),
                )
                template = texts.OFFER_DIFFERENT if len(distinct) > 1 else texts.OFFER_ONE_NOT_NOW
                text = template.format(
                    mine=self._pick_label(picks[me_id]),
                    partner=names.get(other_id, ""),
                    theirs=self._pick_label(picks[other_id]),
                )
            await self.t._tell(conn, Message(me_id, text, keyboard))

    async def _close(
        self, conn: AsyncConnection, offer_id: int, was: str, now_status: str, chosen: str | None
    ) -> bool:
        """Move an offer from ``was`` to ``now_status``; the row count says who won."""
        won = await conn.execute(
            update(exercise_offers)
            .where(exercise_offers.c.id == offer_id, exercise_offers.c.status == was)
            .values(status=now_status, chosen=chosen, closed_at=self.t._now())
        )
        return won.rowcount == 1

    async def _agreed(
        self,
        conn: AsyncConnection,
        offer: Row[tuple[object, ...]],
        pair: Pair,
        exercise_id: str,
        decided_by: int | None,
        names: dict[int, str],
    ) -> None:
        """Tell both which exercise they are doing (with its steps and a reminder offer) and
        schedule the follow-up for two days later at the pair's check-in time."""
        exercise = self.t.content.exercise(exercise_id)
        languages = await self._languages(conn, pair)
        members = {m: await self.t._user(conn, m) for m in languages}
        zones = [self.t._zone(u) for u in members.values() if u is not None]
        for member_id, language in languages.items():
            user = members[member_id]
            zone = self.t._zone(user) if user is not None else str(pair.timezone)
            with speaking(language):
                title = gettext(exercise.title)
                if decided_by is None:
                    first = texts.OFFER_AGREED.format(title=title)
                elif decided_by == member_id:
                    first = texts.OFFER_DECIDED_YOU.format(title=title)
                else:
                    first = texts.OFFER_DECIDED.format(name=names.get(decided_by, ""), title=title)
                text = first + "\n\n" + exercise_text(exercise, why=False)
                keyboard = self._remind_keyboard(offer, pair, zone, zones)
                ask = Message(member_id, texts.REMIND_ASK, keyboard)
            await self.t._tell(conn, Message(member_id, text))
            await self.t._tell(conn, ask)
        await queues.schedule_due(
            conn, KIND_FOLLOWUP, f"offer:{offer.id}", self._followup_at(pair), self.t._now()
        )

    def _followup_at(self, pair: Pair) -> datetime:
        """Two days from now at the pair's check-in time in the pair's timezone (aware UTC);
        a minute earlier when daily rounds run, so that the round opening then carries it."""
        zone = str(pair.timezone)
        day = local_time(self.t._now() + FOLLOWUP_AFTER, zone).date()
        hh, mm = str(pair.time_of_day).split(":")
        at = datetime.combine(day, time(int(hh), int(mm)), ZoneInfo(zone)).astimezone(UTC)
        if _runs_daily(pair):
            at -= timedelta(minutes=1)
        return max(at, self.t._now() + timedelta(hours=36))

    def _remind_keyboard(
        self, offer: Row[tuple[object, ...]], pair: Pair, zone: str, zones: Sequence[str]
    ) -> Keyboard:
        """Reminder buttons for one partner: the next two suggested instants (see :meth:`_at`)
        labelled in their own timezone, "another time" and "no reminder". The instant itself
        travels in the button, so a press a day later still means what the label said."""
        now = self.t._now()
        suggested = [at for at in (self._at(pair, d, zones) for d in range(3)) if at > now][:2]
        rows: list[tuple[Button, ...]] = [
            (Button(self._when_label(at, zone), cb.remind(int(offer.id), _minutes(at))),)
            for at in suggested
        ]
        rows.append(
            (
                Button(texts.BTN_REMIND_TYPE, cb.remind(int(offer.id), "type")),
                Button(texts.BTN_REMIND_NONE, cb.remind(int(offer.id), "none")),
            )
        )
        return tuple(rows)

    def _when_label(self, at: datetime, zone: str) -> str:
        """``Today 21:00`` / ``Tomorrow 21:00`` by the reader's own calendar, else the date."""
        local = local_time(at, zone)
        days = (local.date() - local_time(self.t._now(), zone).date()).days
        if days == 0:
            return texts.BTN_REMIND_TODAY.format(time=local.strftime("%H:%M"))
        if days == 1:
            return texts.BTN_REMIND_TOMORROW.format(time=local.strftime("%H:%M"))
        return self.t._fmt_local(at, zone)

    def _at(self, pair: Pair, days: int, zones: Sequence[str] = ()) -> datetime:
        """The suggested reminder ``days`` local days from today (aware UTC): an hour after
        the pair's check-in time, so it does not arrive with the check-in; else an hour
        before, the check-in time itself or two hours either side, whichever first falls
        outside the quiet hours (22:00-08:00) of every zone in ``zones`` (the partners')."""
        zone = str(pair.timezone)
        day = local_time(self.t._now(), zone).date() + timedelta(days=days)
        hh, mm = str(pair.time_of_day).split(":")
        base = datetime.combine(day, time(int(hh), int(mm)), ZoneInfo(zone)).astimezone(UTC)
        tries = [base + timedelta(hours=h) for h in (1, -1, 0, 2, -2)]
        for at in tries:
            if not any(is_night(local_time(at, z).time()) for z in (zone, *zones)):
                return at
        return tries[0]

    async def decide(self, who: UserInfo, offer_id: int, choice: str) -> Outcome:
        """After different picks, either partner settles it: one of the picks, or not this
        time. The first tap wins (a conditional update); both are told."""
        async with self.t.engine.begin() as conn:
            found = await self._offer_for(conn, who, offer_id)
            if isinstance(found, Outcome):
                return found
            offer, pair, user = found
            if offer.status != "differed":
                if offer.status == "agreed" and offer.chosen:
                    done = texts.OFFER_DECIDED_YOU.format(title=self._pick_label(str(offer.chosen)))
                    return Outcome(toast=done, edit=Edit(None, ()))
                return Outcome(toast=texts.OFFER_CLOSED, edit=Edit(None, ()))
            pick = self._option(offer, choice)
            picked = set(
                (
                    await conn.execute(
                        select(exercise_picks.c.pick).where(exercise_picks.c.offer_id == offer_id)
                    )
                ).scalars()
            )
            if pick is None or (pick != NOT_NOW and pick not in picked):
                return Outcome(toast=texts.BUTTON_STALE)  # only what one of them picked
            names = await self._names(conn, pair)
            if pick == NOT_NOW:
                if await self._close(conn, offer_id, "differed", "declined", None):
                    partner = int(str(pair.user_b if pair.user_a == who.id else pair.user_a))
                    with speaking((await self._languages(conn, pair)).get(partner)):
                        text = texts.OFFER_DECLINED_DECIDE.format(name=user.first_name)
                    await self.t._tell(conn, Message(partner, text))
                text = texts.OFFER_NOT_THIS_TIME_YOU
                return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))
            if await self._close(conn, offer_id, "differed", "agreed", pick):
                await self._agreed(conn, offer, pair, pick, who.id, names)
            return Outcome(toast=texts.PICK_TOAST, edit=Edit(None, ()))

    # ------------------------------------------------------------------ reminders

    async def remind_choice(self, who: UserInfo, offer_id: int, when: str) -> Outcome:
        """A reminder button: an instant (minutes since the epoch, UTC) from the suggestions,
        ``type`` (the next text message is a time), or ``none`` (also turns off a reminder the
        partner set; they are told). An instant in the past or beyond 30 days is refused."""
        async with self.t.engine.begin() as conn:
            found = await self._offer_for(conn, who, offer_id)
            if isinstance(found, Outcome):
                return found
            offer, pair, _user = found
            if offer.status != "agreed":
                return Outcome(toast=texts.OFFER_CLOSED, edit=Edit(None, ()))
            if when == "none":
                return await self._no_reminder(conn, who, offer, pair)
            if when == "type":
                await self.t._set_awaiting(conn, who.id, f"{AWAIT_REMIND}:{offer_id}")
                return Outcome(replies=[Message(who.id, texts.REMIND_TYPE)], toast="")
            at = datetime.fromtimestamp(int(when) * 60, UTC)
            if at <= self.t._now():
                return Outcome(toast=texts.REMIND_PAST_BUTTON)
            if at > self.t._now() + REMIND_HORIZON:
                return Outcome(toast=texts.BUTTON_STALE)
            out = await self._set_reminder(conn, who, offer, pair, at)
            out.edit = Edit(None, ())
            return out

    async def remind_text(self, who: UserInfo, offer_id: int, text: str) -> Outcome:
        """A typed reminder time, in the sender's own timezone: ``19:30``, ``tomorrow 19:30``
        or ``sat 10:00``. A bare time that has passed today means tomorrow."""
        async with self.t.engine.begin() as conn:
            found = await self._offer_for(conn, who, offer_id)
            if isinstance(found, Outcome):
                await self.t._set_awaiting(conn, who.id, None)
                return Outcome(replies=[Message(who.id, texts.OFFER_CLOSED)])
            offer, pair, user = found
            if offer.status != "agreed":
                await self.t._set_awaiting(conn, who.id, None)
                return Outcome(replies=[Message(who.id, texts.OFFER_CLOSED)])
            at = _parse_when(text, self.t._zone(user), self.t._now())
            if at is None:
                return Outcome(replies=[Message(who.id, texts.REMIND_BAD)])
            if at <= self.t._now():
                return Outcome(replies=[Message(who.id, texts.REMIND_PAST)])
            await self.t._set_awaiting(conn, who.id, None)
            return await self._set_reminder(conn, who, offer, pair, at)

    async def _no_reminder(
        self,
        conn: AsyncConnection,
        who: UserInfo,
        offer: Row[tuple[object, ...]],
        pair: Pair,
    ) -> Outcome:
        """ "No reminder": nothing to do, or turn off the reminder that is set (and tell the
        partner, through the outbox so both chats end in the order the changes happened)."""
        if offer.remind_at is None:
            return Outcome(replies=[Message(who.id, texts.REMIND_NONE)], edit=Edit(None, ()))
        await conn.execute(
            update(exercise_offers).where(exercise_offers.c.id == offer.id).values(remind_at=None)
        )
        await queues.cancel_due(conn, KIND_EXERCISE_REMIND, f"offer:{offer.id}")
        user = await self.t._user(conn, who.id)
        assert user is not None
        partner_id = int(str(pair.user_b if pair.user_a == who.id else pair.user_a))
        partner = await self.t._user(conn, partner_id)
        await self.t._tell(conn, Message(who.id, texts.REMIND_OFF_YOU))
        if partner is not None and partner.active:
            with self.t._speaking(partner):
                text = texts.REMIND_OFF_PARTNER.format(name=user.first_name)
            await self.t._tell(conn, Message(partner_id, text))
        return Outcome(toast="", edit=Edit(None, ()))

    async def _set_reminder(
        self,
        conn: AsyncConnection,
        who: UserInfo,
        offer: Row[tuple[object, ...]],
        pair: Pair,
        at: datetime,
    ) -> Outcome:
        now = self.t._now()
        await conn.execute(
            update(exercise_offers).where(exercise_offers.c.id == offer.id).values(remind_at=at)
        )
        await queues.schedule_due(conn, KIND_EXERCISE_REMIND, f"offer:{offer.id}", at, now)
        user = await self.t._user(conn, who.id)
        assert user is not None
        partner_id = int(str(pair.user_b if pair.user_a == who.id else pair.user_a))
        partner = await self.t._user(conn, partner_id)
        mine = self.t._fmt_local(at, self.t._zone(user))
        await self.t._tell(conn, Message(who.id, texts.REMIND_SET_YOU.format(when=mine)))
        if partner is not None and partner.active:
            when = self.t._fmt_local(at, self.t._zone(partner))
            with self.t._speaking(partner):
                title = self._pick_label(str(offer.chosen))
                text = texts.REMIND_SET_PARTNER.format(name=user.first_name, title=title, when=when)
            await self.t._tell(conn, Message(partner_id, text))
        # Both notices go through the outbox, so two reminders set at once reach both chats in
        # the order of their commits: each chat ends with the one that holds.
        return Outcome(toast="")

    async def due_remind(self, item: DueItem, now: datetime) -> datetime | None:
        """Remind both partners of the exercise they agreed on (subject ``offer:<id>``)."""
        offer_id = int(item.subject.split(":")[1])
        if now - item.due_at > STALE_AFTER:
            logger.info(
                "offer %s: reminder due %s dropped (the bot was down)", offer_id, item.due_at
            )
            return None
        async with self.t.engine.begin() as conn:
            found = await self._active_offer(conn, offer_id)
            if found is None:
                return None
            offer, pair, active = found
            exercise = self.t.content.exercises.get(str(offer.chosen))
            if exercise is None:
                return None
            for member, language in (await self._languages(conn, pair)).items():
                if member not in active:
                    continue  # blocked the bot: the reminder reaches the other one
                with speaking(language):
                    text = texts.REMIND_DUE.format(title=gettext(exercise.title))
                    text += "\n\n" + exercise_text(exercise, why=False)
                await self.t._tell(conn, Message(member, text))
        return None

    async def _active_offer(
        self, conn: AsyncConnection, offer_id: int
    ) -> tuple[Row[tuple[object, ...]], Pair, set[int]] | None:
        """An agreed (or followed-up) offer whose pair is still active, with its pair and the
        ids of the partners Tandem can reach (not blocked); else None."""
        offer = (
            await conn.execute(select(exercise_offers).where(exercise_offers.c.id == offer_id))
        ).first()
        if offer is None or offer.status not in ("agreed", "followed"):
            return None
        pair = (await conn.execute(select(pairs).where(pairs.c.id == offer.pair_id))).first()
        if pair is None or pair.status != "active":
            return None
        active = (
            await conn.execute(
                select(users.c.id).where(
                    users.c.id.in_([pair.user_a, pair.user_b]), users.c.active.is_(True)
                )
            )
        ).scalars()
        return offer, pair, {int(i) for i in active}

    # ------------------------------------------------------------------ follow-up

    async def due_followup(self, item: DueItem, now: datetime) -> datetime | None:
        """Ask both partners how the agreed exercise went (subject ``offer:<id>``): one scale
        question, revealed like any round. It is parked on the pair (``followup_offer_id``) when
        the pair's scheduled rounds run (the next one carries it as its last question), while a
        daily or check-in round is open (retried when it closes), while paused, or while a
        partner has blocked the bot (resuming or coming back schedules it again); otherwise it
        opens as a round of its own, never at night."""
        offer_id = int(item.subject.split(":")[1])
        async with self.t.engine.begin() as conn:
            found = await self._active_offer(conn, offer_id)
            if found is None:
                return None
            offer, pair, active = found
            if offer.status != "agreed" or str(offer.chosen) not in self.t.content.exercises:
                return None  # already asked (carried by a round), or the exercise is gone
            current = await self.t._open_round_of(conn, int(str(pair.id)))
            waits = pair.paused or len(active) < 2 or _runs_daily(pair)
            if current is not None or waits:
                await conn.execute(
                    update(pairs).where(pairs.c.id == pair.id).values(followup_offer_id=offer_id)
                )
                if current is None:
                    return None  # the next scheduled round, a resume or a return brings it
                closes: datetime = current.expires_at
                return max(closes, now) + timedelta(minutes=1)
            if is_night(local_time(now, str(pair.timezone)).time()):
                return next_morning(now, str(pair.timezone))  # late (the bot was down)
            question = await self.take_followup(conn, pair, offer_id)
            if question is None:
                return None
            await self.t._open_round(
                conn,
                pair,
                origin="followup",
                kind="followup",
                expires_at=now + FOLLOWUP_TTL,
                questions=[question],
                offer_id=offer_id,
            )
        return None

    async def take_followup(
        self, conn: AsyncConnection, pair: Pair, offer_id: int
    ) -> Question | None:
        """Claim the follow-up of an agreed offer for a round being opened: marks the offer
        ``followed`` (once: a conditional update) and clears the pair's pending follow-up.
        Returns the follow-up question, or None when it was already asked or is void."""
        await conn.execute(
            update(pairs)
            .where(pairs.c.id == pair.id, pairs.c.followup_offer_id == offer_id)
            .values(followup_offer_id=None)
        )
        offer = (
            await conn.execute(select(exercise_offers).where(exercise_offers.c.id == offer_id))
        ).first()
        if offer is None or offer.pair_id != pair.id:
            return None
        if not await self._close(conn, offer_id, "agreed", "followed", str(offer.chosen)):
            return None
        return followup_question(f"{FOLLOWUP_PREFIX}{offer.dimension}")

    async def chosen_title(self, conn: AsyncConnection, offer_id: int) -> str | None:
        """The title (message id) of the exercise an offer settled on, if any."""
        chosen = (
            await conn.execute(
                select(exercise_offers.c.chosen).where(exercise_offers.c.id == offer_id)
            )
        ).scalar_one_or_none()
        exercise = self.t.content.exercises.get(str(chosen)) if chosen else None
        return exercise.title if exercise is not None else None


def _minutes(at: datetime) -> str:
    """An instant as whole minutes since the epoch (for callback data)."""
    return str(int(at.timestamp()) // 60)


def _runs_daily(pair: Pair) -> bool:
    """Whether the pair's scheduled (daily, weekday or weekly-light) rounds are running."""
    return str(pair.frequency) != "off" and not pair.paused


def followup_waiting(pair: Pair) -> int | None:
    """The offer whose follow-up is parked on the pair and that no scheduled round will carry
    (the schedule is off), so it must be asked on its own once the pair is running again."""
    if pair.followup_offer_id is None or _runs_daily(pair) or pair.paused:
        return None
    return int(str(pair.followup_offer_id))


def exercise_text(exercise: Exercise, *, why: bool = True) -> str:
    """An exercise as plain text in the language in force: title line, why it helps (unless
    ``why`` is False: the offer showed it already), numbered steps."""
    steps = "\n".join(f"{i}. {gettext(step)}" for i, step in enumerate(exercise.steps, start=1))
    header = texts.EXERCISE_HEADER.format(
        title=gettext(exercise.title),
        kind=texts.EXERCISE_KINDS[exercise.kind.value],
        minutes=exercise.minutes,
    )
    if not why:
        return "\n\n".join([header, steps])
    return "\n\n".join([header, texts.EXERCISE_WHY.format(why=gettext(exercise.why)), steps])


_WHEN = re.compile(r"^\s*(?:(today|tomorrow|tmrw|[a-z]{2,9})\s+)?(?:at\s+)?(.+?)\s*$", re.I)


def _parse_when(text: str, zone: str, now: datetime) -> datetime | None:
    """A reminder instant (aware UTC) from ``19:30``, ``tomorrow 19:30`` or ``sat 10:00`` in
    ``zone``; None when unreadable. A bare time already past today means tomorrow; a weekday
    means its next occurrence (today if the time is still ahead)."""
    from bot.domain.legacy.service import _parse_weekday  # one weekday parser for the whole bot

    match = _WHEN.match(text)
    if match is None:
        return None
    word, clock = match[1], match[2]
    try:
        at = parse_time_of_day(clock)
    except ValueError:
        return None
    local_now = local_time(now, zone)
    day = local_now.date()
    if word is not None:
        lowered = word.lower()
        if lowered == "tomorrow" or lowered == "tmrw":
            day += timedelta(days=1)
        elif lowered != "today":
            weekday = _parse_weekday(lowered)
            if weekday is None:
                return None
            day += timedelta(days=(weekday - local_now.weekday()) % 7)
    instant = datetime.combine(day, at, ZoneInfo(zone)).astimezone(UTC)
    if word is None and instant <= now:
        instant += timedelta(days=1)
    if word is not None and word.lower() not in ("today", "tomorrow", "tmrw") and instant <= now:
        instant += timedelta(days=7)
    return instant
