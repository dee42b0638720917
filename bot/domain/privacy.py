"""Your data is yours: ``/privacy`` (in plain words, what Tandem stores, who sees what, for
how long, export, delete, what can't be undone) and ``/export`` (a JSON file of the sender's
own data).

The export holds the sender's profile and settings, every pair they are or were in (its
schedule, focus and retention) and each of its rounds: the questions, the sender's own
answers (also to rounds that expired or were cancelled: they are the sender's own), and the
partner's answer only for a round revealed to them both, and only to a question neither of
them kept private (DESIGN.md, privacy rules 1 and 7), and both partners' reactions to its
reveal (issue 12). It is a read-only view (no write lock),
sent as a protected document (no forwarding or saving where Telegram apps honour it).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import texts
from bot.domain.asking import display
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Message, Outcome
from bot.domain.model import Answer, Pair, PairStatus, Round, RoundStatus, User
from bot.domain.people import UserInfo
from bot.domain.ports import UnitOfWork
from bot.domain.questions import question
from bot.i18n import gettext

#: Names the export's layout, so a reader can tell later versions apart.
EXPORT_FORMAT = "tandem-export-1"


async def privacy(deps: Deps, who: UserInfo) -> Outcome:
    """``/privacy``: what is stored, who can see what, for how long, how to export and
    delete, and what cannot be undone (K: the configured fewest couples a figure pools)."""
    return Outcome(replies=[Message(who.id, texts.PRIVACY.format(k=deps.config.min_pairs))])


def _instant(at: datetime | None) -> str | None:
    """An aware UTC instant as ISO 8601 (None stays None)."""
    return None if at is None else at.isoformat()


async def export(deps: Deps, who: UserInfo) -> Outcome:
    """``/export``: the sender's data as a JSON document (protected), or, for a sender Tandem
    stores nothing about (never started, or deleted their data), a reply saying so. Raises
    :class:`Refused` in that case."""
    async with deps.db.read() as tx:
        user = await tx.users.get(who.id)
        if user is None:
            raise Refused(texts.DATA_EXPORT_NOTHING)
        own = {(a.round_id, a.position): a for a in await tx.answers.of_user(user.id)}
        shown = await tx.pairs.of_member(user.id)
        pairs = [await _pair(deps, tx, pair, user, own) for pair in shown]
    now = deps.now()
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": _instant(now),
        "profile": {
            "telegram_id": user.id,
            "first_name": user.first_name,
            "username": user.username,
        },
        "settings": {
            "language": user.language_code,
            "chosen_language": user.language,
            "timezone": user.timezone,
        },
        "pairs": pairs,
    }
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    name = f"tandem-data-{now:%Y-%m-%d}.json"
    message = Message(
        who.id,
        texts.DATA_EXPORT_CAPTION,
        document=(name, data),
        protect=True,
        carries=tuple(p.id for p in shown),  # taken back if a partner leaves within 48 h
    )
    return Outcome(replies=[message])


async def _pair(
    deps: Deps, tx: UnitOfWork, pair: Pair, user: User, own: dict[tuple[int, int], Answer]
) -> dict[str, Any]:
    """One pair as exported for ``user``: who the partner is (their first name; None once
    they deleted their data), its schedule and settings, and its rounds."""
    partner_id = pair.partner_of(user.id)
    partner = None if partner_id is None else await tx.users.get(partner_id)
    current = pair.status is PairStatus.ACTIVE and user.pair_id == pair.id
    # A partner who blocked Tandem reads as paused, as in /settings (DESIGN.md, privacy rule
    # 8; probe of 2026-12-03: the export alone told a block from a pause).
    paused = pair.paused or (current and partner is not None and not partner.active)
    held = await tx.rounds.of_pair(pair.id)
    reacted = await tx.reactions.of_rounds([round_.id for round_ in held])
    rounds = [
        await _round(deps, tx, round_, partner_id, own)
        | _reactions(reacted, round_, user.id, partner_id)
        for round_ in held
    ]
    return {
        "pair_id": pair.id,
        "status": pair.status.value,
        "current": current,
        "partner": None if partner is None else partner.first_name,
        "started_at": _instant(pair.created_at),
        "ended_at": _instant(pair.ended_at),
        "schedule": {
            "frequency": pair.frequency.value,
            "weekday": pair.weekday,
            "time": pair.time_of_day.strftime("%H:%M"),
            "timezone": pair.timezone,
            "paused": paused,
            "weekly_weekday": pair.weekly_weekday,
            "weekly_time": None if pair.weekly_time is None else pair.weekly_time.strftime("%H:%M"),
        },
        "focus": sorted(d.value for d in pair.focus),
        "packs": list(pair.packs),
        "anniversary": None
        if pair.anniversary is None
        else {
            "month": pair.anniversary.month,
            "day": pair.anniversary.day,
            "year": pair.anniversary.year,
        },
        "trip": None
        if pair.trip is None
        else {"start": pair.trip.start.isoformat(), "end": pair.trip.end.isoformat()},
        "retention": pair.retention.value,
        "check_ins": rounds,
    }


async def _round(
    deps: Deps,
    tx: UnitOfWork,
    round_: Round,
    partner_id: int | None,
    own: dict[tuple[int, int], Answer],
) -> dict[str, Any]:
    """One round: its questions, the user's own answers, and the partner's only where the
    round was revealed and neither of them kept that question private."""
    theirs: dict[int, Answer] = {}
    if round_.status is RoundStatus.REVEALED and partner_id is not None:
        theirs = {
            a.position: a for a in await tx.answers.of_round(round_.id) if a.user_id == partner_id
        }
    questions = []
    for item in await tx.rounds.asked(round_.id):
        mine = own.get((round_.id, item.position))
        other = theirs.get(item.position)
        if mine is None or mine.skipped or (other is not None and other.skipped):
            other = None  # a pass is symmetric; an unrevealed answer is never read
        questions.append(
            {
                "position": item.position,
                "question_id": item.question_id,
                "question": _question_text(deps, item.question_id),
                "your_answer": _answer(deps, item.question_id, mine),
                "partner_answer": _answer(deps, item.question_id, other),
            }
        )
    return {
        "round_id": round_.id,
        "kind": round_.kind.value,
        "origin": round_.origin.value,
        "status": round_.status.value,
        "opened_at": _instant(round_.opened_at),
        "closed_at": _instant(round_.closed_at),
        "questions": questions,
    }


def _reactions(
    reacted: dict[int, dict[int, str]], round_: Round, user_id: int, partner_id: int | None
) -> dict[str, str | None]:
    """The round's reactions as exported (issue 12): the user's own, and the partner's (it
    was sent to the user, and only a revealed round has any)."""
    mine = reacted.get(round_.id, {})
    return {
        "your_reaction": mine.get(user_id),
        "partner_reaction": None if partner_id is None else mine.get(partner_id),
    }


def _question_text(deps: Deps, question_id: str) -> str | None:
    """The question's text in the language in force (None when the content no longer has
    it)."""
    try:
        return gettext(question(deps, question_id).text)
    except KeyError:
        return None


def _answer(deps: Deps, question_id: str, answer: Answer | None) -> dict[str, Any] | None:
    """An answer as exported: the stored value, how it reads, whether it was kept private."""
    if answer is None:
        return None
    try:
        shown: str | None = display(question(deps, question_id), answer.value, answer.skipped)
    except KeyError:
        shown = None
    return {"value": answer.value, "reads": shown, "kept_private": answer.skipped}
