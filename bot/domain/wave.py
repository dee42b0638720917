"""Opening a wave: many pairs' scheduled daily rounds, claimed together, opened in one unit of
work with one read and one multi-row write per table (issue 10, "A wave opens in batches").

The rules are those of :func:`bot.domain.rounds.due_open_in`, one pair at a time; this module
only changes how they reach the database. It reads what every pair of the batch needs at once
(the pairs, their members, their open rounds, who is in a programme, how often each question
was asked), decides each plain opening with the same pure rules (:func:`~bot.domain.rounds.
scheduled_slot`, :func:`~bot.domain.questions.choose_from`, :func:`~bot.domain.rounds.
round_start`), and writes the slots, the rounds and their questions, the outbox and the due
work with one statement each for the whole batch. A pair whose opening is not plain (in a
programme, a round still open in its lane, a follow-up waiting, paused, ended, a member gone)
goes through ``due_open_in`` itself, in the same unit of work, as one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.deps import Deps
from bot.domain.model import Lane, NewRound, Origin, Pair, PairStatus, RoundKind, User
from bot.domain.ports import UnitOfWork
from bot.domain.questions import Past, choose_from, forget_past_trip, pasts_of
from bot.domain.rounds import (
    CHECKIN_TTL,
    RoundStart,
    due_open_in,
    round_start,
    scheduled_slot,
    start_round,
)
from bot.domain.sending import bulk_until
from bot.domain.subjects import DueKind, PairSubject
from scheduler.cadence import Frequency
from scheduler.due import DueItem


@dataclass(frozen=True)
class _Plain:
    """A pair whose round opens by the plain rule: its item, the pair and its closing time."""

    item: DueItem
    pair: Pair
    day: date
    expires_at: datetime


async def due_open_rounds(
    deps: Deps, items: Sequence[DueItem], now: datetime
) -> dict[int, datetime | None]:
    """Open a wave: :func:`bot.domain.rounds.due_open_round` for many claimed ``open_round``
    items at ``now`` (aware UTC), in one unit of work; returns each item's next opening (aware
    UTC, or None: the row goes) by item id. Any failure rolls the whole batch back and raises
    (the runner then opens its items one by one)."""
    async with deps.db.write() as tx:
        return await open_wave(deps, tx, items, now)


async def open_wave(
    deps: Deps, tx: UnitOfWork, items: Sequence[DueItem], now: datetime
) -> dict[int, datetime | None]:
    """:func:`due_open_rounds` inside the caller's unit of work: at most one item per pair
    (the due-work rows are unique by subject)."""
    pair_of = {item.id: PairSubject.parse(item.subject).pair_id for item in items}
    pairs = await tx.pairs.get_many(pair_of.values())
    members = await tx.users.get_many([m for p in pairs.values() for m in p.members])
    in_programme = await tx.cohorts.enrolled_among(list(pairs))
    open_rounds = await tx.rounds.open_of_many(list(pairs))
    opened: dict[int, datetime | None] = {}
    plain: list[_Plain] = []
    for item in items:
        pair = pairs.get(pair_of[item.id])
        busy = pair is None or pair.id in in_programme or pair.followup_offer_id is not None
        if busy or any(r.lane is Lane.DAILY for r in open_rounds.get(pair_of[item.id], ())):
            with bulk_until(item.due_at + deps.config.max_lateness):
                opened[item.id] = await due_open_in(deps, tx, item, now, Lane.DAILY)
            continue
        assert pair is not None
        cadence = pair.cadence()
        if not _runs(pair, members) or cadence is None or cadence.frequency is Frequency.OFF:
            opened[item.id] = None
            continue
        slot = scheduled_slot(deps, item, now, cadence, pair.last_round_date)
        opened[item.id] = slot.next
        if slot.opens:
            expires_at = slot.next if slot.next is not None else now + CHECKIN_TTL
            plain.append(_Plain(item, pair, slot.day, expires_at))
    await _open_plain(deps, tx, plain, members, now)
    return opened


def _runs(pair: Pair, members: Mapping[int, User]) -> bool:
    """Whether the pair's schedule runs: active, not paused, both members known and active."""
    both = [members.get(m) for m in pair.members]
    return (
        pair.status is PairStatus.ACTIVE
        and not pair.paused
        and len(both) == 2
        and all(m is not None and m.active for m in both)
    )


async def _open_plain(
    deps: Deps, tx: UnitOfWork, plain: Sequence[_Plain], members: Mapping[int, User], now: datetime
) -> None:
    """Open the plain rounds: mark their slots, choose their questions, create the rounds,
    queue their messages (each item's under its own lateness bound) and schedule their due
    work, one multi-row write per table."""
    if not plain:
        return
    await tx.pairs.mark_slots(Lane.DAILY, {p.pair.id: p.day for p in plain})
    pasts = await pasts_of(deps, tx, [p.pair.id for p in plain])
    for p in plain:
        await forget_past_trip(deps, tx, p.pair)
    chosen = [
        choose_from(deps, p.pair, RoundKind.LIGHT, pasts.get(p.pair.id, Past())) for p in plain
    ]
    created = await tx.rounds.create_many(
        [
            NewRound(
                pair_id=p.pair.id,
                origin=Origin.SCHEDULED,
                kind=RoundKind.LIGHT,
                opened_at=now,
                expires_at=p.expires_at,
                question_ids=tuple(q.id for q in questions),
            )
            for p, questions in zip(plain, chosen, strict=True)
        ]
    )
    by_deadline: dict[datetime, list[RoundStart]] = {}
    for p, round_, questions in zip(plain, created, chosen, strict=True):
        start = round_start(deps, p.pair, members, round_, questions, None, None)
        by_deadline.setdefault(p.item.due_at + deps.config.max_lateness, []).append(start)
    for deadline, starts in by_deadline.items():
        with bulk_until(deadline):
            await start_round(deps, tx, starts)


#: Kinds opened in batches, one unit of work per claimed batch (``Tandem.due_batch_handlers``).
BATCH_HANDLERS = {DueKind.OPEN_ROUND: due_open_rounds}
