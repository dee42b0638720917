"""Ports for rounds, answers and exercise offers (see :mod:`bot.domain.ports`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.model import (
    Answer,
    Asked,
    NewRound,
    Offer,
    OfferStatus,
    Origin,
    Round,
    RoundKind,
    RoundStatus,
    TypedDraft,
)
from content.schema import Dimension, Trigger


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

    async def open_of_many(self, pair_ids: Collection[int]) -> dict[int, list[Round]]:
        """:meth:`open_of` of several pairs in one read, by pair id (a pair without an open
        round is missing)."""
        ...

    async def create_many(self, new: Sequence[NewRound]) -> list[Round]:
        """:meth:`create` of several rounds in one multi-row write per table (opening a wave,
        issue 10), in the order given. At most one round per pair (ValueError otherwise)."""
        ...

    async def asked(self, round_id: int) -> list[Asked]:
        """The round's questions by position."""
        ...

    async def asked_of(self, round_ids: Collection[int]) -> dict[int, list[Asked]]:
        """:meth:`asked` of several rounds in one read, by round id (a round without
        questions is missing)."""
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

    async def question_history_of(
        self, pair_ids: Collection[int]
    ) -> dict[int, dict[str, tuple[int, datetime]]]:
        """For each of these pairs (by id; a pair never asked anything is missing), each
        question id it was asked: how often, and when last (the opening instant of its newest
        round, UTC). One read for them all."""
        ...

    async def revealed_counts_of(self, pair_ids: Collection[int]) -> dict[int, int]:
        """How many rounds of each of these pairs were revealed, by pair id (none: missing).
        One read for them all."""
        ...

    async def revealed_since(self, pair_id: int, since: datetime) -> list[int]:
        """Ids of the pair's rounds revealed at or after ``since``, oldest first."""
        ...

    async def revealed_count(self, pair_ids: Collection[int]) -> int:
        """How many rounds of these pairs were revealed."""
        ...

    async def revealed_page(
        self, pair_ids: Collection[int], offset: int, limit: int
    ) -> list[Round]:
        """Revealed rounds of these pairs, newest first (by closing time), ``offset``
        back."""
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

    async def of_pair(self, pair_id: int) -> list[Round]:
        """Every round of the pair (any status), oldest first."""
        ...

    async def prune(self, pair_id: int, before: datetime) -> int:
        """Delete the pair's rounds that closed (revealed, expired or cancelled) before
        ``before``, with their questions, answers and reactions; open rounds stay. Returns
        how many."""
        ...


class Answers(Protocol):
    """Answers: private until their round is revealed (DESIGN.md, privacy rule 1). Read them
    only to decide or build a reveal, or for a revealed round."""

    async def of_round(self, round_id: int) -> list[Answer]:
        """Every answer given in the round."""
        ...

    async def of_rounds(self, round_ids: Collection[int]) -> dict[int, list[Answer]]:
        """:meth:`of_round` of several rounds in one read, by round id (a round without
        answers is missing). Only for revealed rounds (privacy rule 1)."""
        ...

    async def positions(self, round_id: int, user_id: int) -> set[int]:
        """The positions of the round the user has answered."""
        ...

    async def positions_by_member(self, round_id: int) -> dict[int, set[int]]:
        """The positions of the round each user has answered (user id -> positions; a user
        who answered nothing is absent), in one read."""
        ...

    async def save(self, answer: Answer, now: datetime, message_id: int | None = None) -> bool:
        """Store or replace the user's answer at that position; True when it is their first
        answer there. A ``typed`` answer is stored encrypted, a button's value plain.
        ``message_id``: the user's typed message that gave it (None for a
        button), so that an edit of that message can find it."""
        ...

    async def typed_in(self, user_id: int, message_id: int) -> tuple[int, int] | None:
        """(round id, position) of the user's answer typed in message ``message_id``, if any."""
        ...

    async def put_draft(self, draft: TypedDraft, now: datetime) -> None:
        """Keep ``draft`` as the user's one unconfirmed typed text (replacing any earlier)."""
        ...

    async def draft_of(self, user_id: int) -> TypedDraft | None:
        """The user's unconfirmed typed text, if any."""
        ...

    async def drop_draft(self, user_id: int) -> None:
        """Forget the user's unconfirmed typed text, if any."""
        ...

    async def drop_drafts_of_round(self, round_id: int) -> None:
        """Forget every unconfirmed typed text for the round (it has closed)."""
        ...

    async def delete_for_user(self, user_id: int) -> None:
        """Delete every answer the user gave, and their unconfirmed typed text."""
        ...

    async def of_user(self, user_id: int) -> list[Answer]:
        """Every answer the user gave (their own data, for an export)."""
        ...


class Reactions(Protocol):
    """Each partner's reaction to a revealed round (issue 12): one per partner per round,
    shown only to the pair's two members. A round's reactions go with the round
    (:meth:`Rounds.prune`), a user's with their data."""

    async def add(self, round_id: int, user_id: int, reaction: str, now: datetime) -> bool:
        """Decide-once: store ``user_id``'s ``reaction`` to round ``round_id`` unless they
        reacted to it already (whatever the reaction); True for the one caller that stored
        it. The caller checks membership and that the round was revealed."""
        ...

    async def of_rounds(self, round_ids: Collection[int]) -> dict[int, dict[int, str]]:
        """The reactions to ``round_ids``: round id -> user id -> reaction (rounds without
        any are missing)."""
        ...

    async def delete_for_user(self, user_id: int) -> None:
        """Delete every reaction the user gave."""
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

    async def offer_history(self, pair_id: int, since: datetime) -> dict[str, tuple[int, datetime]]:
        """For each exercise id among the pair's offers made at or after ``since`` (any
        status, any trigger): how many of those offers named it, and when the newest was made
        (aware UTC). Offers removed by retention no longer count."""
        ...

    async def mismatches_since_of(
        self, pair_ids: Collection[int], since: datetime
    ) -> dict[int, list[tuple[Dimension, datetime]]]:
        """For each of these pairs (by id; none: missing), the dimension and creation instant
        (UTC) of each offer made after a mismatch (triggers ``mismatch`` and ``repeated``) at
        or after ``since``, oldest first. One read for them all."""
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

    async def prune(self, pair_id: int, before: datetime) -> int:
        """Delete the pair's offers that were settled (followed, differed, declined or
        cancelled) before ``before``, with their picks; open and agreed offers stay. Returns
        how many."""
        ...
