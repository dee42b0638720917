"""Change notices to the partner, coalesced (issue 12).

A partner who tries five times is not five messages to the other: the first change a partner
makes (time, frequency, whose timezone, the weekly round, focus, packs) starts a window of
:data:`NOTICE_WINDOW`; the pair's settings as they were before it are held on the pair
(``Pairs.hold_notice``) and due work ``notice`` (:class:`NoticeSubject`) fires at the window's
end. Then the other partner gets one message naming what differs from before, with the final
values, each in their own timezone and language; changes that ended where they started send
nothing. If the other partner makes a change while one partner's notices are held, those are
told at once (with the settings before that change) so both never hold at the same time and
no notice reports the other's change as its author's.

Pause and resume stay immediate and separate: their notice is deliberately discreet (no name,
DESIGN.md privacy rule 8), which a coalesced "Alex changed …" would break.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.domain.deps import Deps
from bot.domain.messages import Message
from bot.domain.model import Pair, PairStatus, User
from bot.domain.people import speaking_to, tell, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.schedule import (
    coming_slot,
    next_or_why,
    night_warnings,
    schedule_text,
    weekly_text,
)
from bot.domain.subjects import DueKind, NoticeSubject
from bot.i18n import gettext as tr
from content.schema import Dimension
from scheduler.cadence import Frequency, local_time
from scheduler.due import DueItem

#: How long after a partner's first change their notices are held and coalesced.
NOTICE_WINDOW = timedelta(minutes=3)


@dataclass(frozen=True)
class Snapshot:
    """The settings a notice reports on, as stored while notices are held (JSON)."""

    schedule: tuple[str, int, str, str]  # frequency, weekday, "HH:MM", timezone
    weekly: tuple[int, str] | None  # weekday, "HH:MM"; None: no weekly round
    focus: tuple[str, ...]
    packs: tuple[str, ...]

    @classmethod
    def of(cls, pair: Pair) -> Snapshot:
        """The pair's settings now."""
        weekly = pair.weekly_cadence()
        return cls(
            schedule=(
                pair.frequency.value,
                pair.weekday,
                pair.time_of_day.strftime("%H:%M"),
                pair.timezone,
            ),
            weekly=None
            if weekly is None
            else (weekly.weekday, weekly.time_of_day.strftime("%H:%M")),
            focus=tuple(sorted(d.value for d in pair.focus)),
            packs=tuple(pair.packs),
        )

    def encode(self) -> str:
        """The stored form (compact JSON)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def parse(cls, raw: str) -> Snapshot:
        """Inverse of :meth:`encode`; ValueError (or KeyError/TypeError as ValueError) for
        anything else."""
        try:
            data = json.loads(raw)
            frequency, weekday, at, zone = data["schedule"]
            weekly = data["weekly"]
            return cls(
                schedule=(str(frequency), int(weekday), str(at), str(zone)),
                weekly=None if weekly is None else (int(weekly[0]), str(weekly[1])),
                focus=tuple(str(v) for v in data["focus"]),
                packs=tuple(str(v) for v in data["packs"]),
            )
        except (KeyError, TypeError, IndexError, json.JSONDecodeError) as exc:
            raise ValueError("not a settings snapshot") from exc


def focus_text(focus: frozenset[Dimension]) -> str:
    """The focus topics in the language in force, in the dimensions' order, or "none"."""
    if not focus:
        return texts.FOCUS_NONE
    return ", ".join(tr(d.label) for d in Dimension if d in focus)


def _packs_text(deps: Deps, pair: Pair) -> str:
    names = [tr(deps.content.packs[p].name) for p in pair.packs if p in deps.content.packs]
    return ", ".join(names) if names else texts.PACKS_NONE_ON


async def notice_text(
    deps: Deps, tx: UnitOfWork, before: Snapshot, pair: Pair, author: User, reader: User
) -> str | None:
    """What ``author`` changed since ``before`` as ``reader`` reads it (call inside
    ``speaking_to(reader)``): a head line and one line per changed part with its final value,
    times in the reader's zone, and the night warnings when the schedule moved; None when
    everything ended where it started."""
    now = Snapshot.of(pair)
    lines = []
    anchor = coming_slot(deps, pair.cadence())
    local = local_time(anchor, zone_of(deps, reader)).strftime("%H:%M")
    if now.schedule != before.schedule and pair.cadence().frequency is Frequency.OFF:
        # The time and zone kept while off, so that changing either is told too (issue 12).
        lines.append(
            texts.NOTICE_SCHEDULE_OFF.format(
                schedule=schedule_text(pair),
                time=pair.time_of_day.strftime("%H:%M"),
                zone=pair.timezone,
                local=local,
            )
        )
    elif now.schedule != before.schedule:
        following = await next_or_why(deps, tx, pair, reader, author)
        lines.append(
            texts.NOTICE_SCHEDULE.format(schedule=schedule_text(pair), local=local, next=following)
        )
    if now.weekly != before.weekly:
        weekly = weekly_text(pair)
        lines.append(
            texts.NOTICE_WEEKLY_OFF
            if weekly is None
            else texts.NOTICE_WEEKLY.format(schedule=weekly)
        )
    if now.focus != before.focus:
        lines.append(
            texts.NOTICE_FOCUS.format(focus=focus_text(pair.focus))
            if pair.focus
            else texts.NOTICE_FOCUS_CLEARED
        )
    if now.packs != before.packs:
        lines.append(texts.NOTICE_PACKS.format(packs=_packs_text(deps, pair)))
    if not lines:
        return None
    text = texts.NOTICE_HEAD.format(name=author.first_name)
    text += "".join("\n\u2022 " + line for line in lines)
    if now.schedule != before.schedule:
        text += night_warnings(deps, reader, pair, author)
    if now.weekly != before.weekly and (weekly_cadence := pair.weekly_cadence()) is not None:
        text += night_warnings(deps, reader, pair, author, weekly_cadence)
    return text


async def _tell_held(deps: Deps, tx: UnitOfWork, pair: Pair, author_id: int, raw: str) -> None:
    """Tell the author's partner what changed since ``raw`` (the held settings), if they can
    be reached and anything differs."""
    members = await tx.users.get_many(pair.members)
    author = members.get(author_id)
    reader_id = pair.partner_of(author_id)
    reader = None if reader_id is None else members.get(reader_id)
    if author is None or reader is None or not reader.active:
        return
    try:
        before = Snapshot.parse(raw)
    except ValueError:
        return
    with speaking_to(reader):
        text = await notice_text(deps, tx, before, pair, author, reader)
    if text is not None:
        await tell(deps, tx, Message(reader.id, text))


async def note_change(deps: Deps, tx: UnitOfWork, author: User, before: Pair) -> None:
    """``author`` is about to change the pair's settings (``before``: the pair as it is,
    read in this transaction). Starts holding the author's notices (the window's due work),
    unless they are held already; the other partner's held notices are told first."""
    now = deps.now()
    other = before.notice_by
    if other is not None and other != author.id:
        raw = await tx.pairs.take_notice(before.id, other)
        if raw is not None:
            await tx.due.cancel(DueKind.NOTICE, NoticeSubject(before.id, other))
            await _tell_held(deps, tx, before, other, raw)
    if await tx.pairs.hold_notice(before.id, author.id, Snapshot.of(before).encode()):
        subject = NoticeSubject(before.id, author.id)
        await tx.due.schedule(DueKind.NOTICE, subject, now + NOTICE_WINDOW, now)


async def agreed_change(tx: UnitOfWork, author_id: int, before: Pair, after: Pair) -> None:
    """The other partner accepted ``author_id``'s proposal (``before`` -> ``after``): both
    know it already, so the author's held notices, if any, no longer count that change (their
    other held changes are still told)."""
    raw = await tx.pairs.take_notice(before.id, author_id)
    if raw is None:
        return
    try:
        held = Snapshot.parse(raw)
    except ValueError:
        return
    old, new = Snapshot.of(before), Snapshot.of(after)
    rebased = Snapshot(
        schedule=new.schedule if held.schedule == old.schedule else held.schedule,
        weekly=new.weekly if held.weekly == old.weekly else held.weekly,
        focus=held.focus,
        packs=held.packs,
    )
    await tx.pairs.hold_notice(before.id, author_id, rebased.encode())


async def due_notice(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """The window of a partner's changes ended (subject ``notice:<pair>:<author>``): tell
    the other partner once, if anything still differs. Nothing when the notices were told
    already, the pair ended or the reader cannot be reached."""
    subject = NoticeSubject.parse(item.subject)
    async with deps.db.write() as tx:
        raw = await tx.pairs.take_notice(subject.pair_id, subject.user_id)
        if raw is None:
            return None
        pair = await tx.pairs.get(subject.pair_id)
        if pair is None or pair.status is not PairStatus.ACTIVE:
            return None
        await _tell_held(deps, tx, pair, subject.user_id, raw)
    return None


DUE_HANDLERS = {DueKind.NOTICE: due_notice}
