"""Which question a pair's next round asks, as a year-long journey rather than a shuffle.

A pure rule over the bank and the pair's history (no storage, no clock of its own), so the bot
and the content gate's simulations (``content check``, ``tests/unit/test_journey.py``) run the
same code. :func:`bot.domain.questions.choose` reads the history and calls it.

A daily round asks, in this order of precedence:

1. an **occasion** question (the pair's local dates), in this order: ``before_trip`` on the
   two days before a trip noted with ``/trip`` starts; ``anniversary`` on the pair's
   anniversary (``/anniversary``) or the first daily round within
   :data:`ANNIVERSARY_GRACE` after it, once a year; ``after_trip`` on the first daily round
   within :data:`AFTER_TRIP_DAYS` after the trip's last day; ``new_year`` in the first week
   of January, once a year;
2. a **revisit**: 14–28 days after a mismatch in a dimension (an exercise offer after it), one
   of that dimension's revisit questions, once per mismatch;
3. a **pulse** question: from the pair's third week on, at most one every
   :data:`PULSE_SPACING`; each pulse question again after :data:`PULSE_EVERY` (about
   quarterly), so its answers make a trend line;
4. a **pack** question: while the pair has life-stage packs turned on (``/packs``), every
   other daily round (whenever the last light question asked was not a pack's) asks one of
   the active packs' light questions not asked yet, the packs weighing evenly, until they are
   used up;
5. otherwise a question of the **bank's rotation**: first the dimension, then the question.

The rotation never repeats a question while another of the pair's eligible questions is
unasked (eligible: sensitive ones only once the pair may be asked them; ``level`` 3 only after
:data:`VULNERABLE_AFTER` revealed check-ins). The draw weighs dimensions, not questions:
every dimension with an unasked question weighs 1 in all, however many it has left, a focus
dimension :data:`FOCUS_WEIGHT` (so it comes up about twice as often over the whole year, not
merely earlier) and the theme week's dimension :data:`THEME_WEIGHT`, each times a balance
factor (2 per question the dimension is behind its share of the pair's past questions, at most
8, at least 1/8) so a pair's year keeps close to the shares. A focus or theme
dimension whose own questions are all asked may repeat its least-asked ones before the rest of
the bank is used up: those are the only repeats the rotation plans. While a pair has fewer
than :data:`GETTING_TO_KNOW` revealed check-ins, level 1 questions come first within each
dimension.

A weekly round fills each part (needs, boundaries, health) the same way: the boundaries part
balances boundary areas instead of dimensions. While a pack is active, one of its deep
questions not asked yet takes the needs or the health part of each weekly round (the part of
its dimension; a boundaries one takes the needs part, so the boundaries part stays the
bank's), until they are used up.

Pack and occasion questions obey the same eligibility as the rotation's: sensitive ones only
once the pair may be asked them, level 3 only after :data:`VULNERABLE_AFTER` revealed
check-ins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.model import Anniversary, Trip
from content.schema import Depth, Dimension, Occasion, Question, Role, WeeklySlot

#: A focus dimension's weight in the rotation (others weigh 1): about twice as often.
FOCUS_WEIGHT = 2
#: The theme week's dimension weighs this much during that week.
THEME_WEIGHT = 3
#: A theme week comes every this many weeks of a pair's life (weeks 13, 26, 39, 52, …).
THEME_EVERY_WEEKS = 13
#: Level 3 (vulnerable) questions only after this many revealed check-ins.
VULNERABLE_AFTER = 20
#: Level 1 questions come first until this many revealed check-ins.
GETTING_TO_KNOW = 10
#: A pulse question again after this long (about a quarter).
PULSE_EVERY = timedelta(days=90)
#: At most one pulse question in this long, and none in a pair's first two weeks.
PULSE_SPACING = timedelta(days=6)
PULSE_FROM = timedelta(days=14)
#: A revisit comes this long after the mismatch it refers to.
REVISIT_AFTER = timedelta(days=14)
REVISIT_UNTIL = timedelta(days=28)
#: An occasion question of one kind at most once in this long (new year, anniversary).
OCCASION_GAP = timedelta(days=300)
#: The anniversary question may also come on the first daily round this many days after.
ANNIVERSARY_GRACE = 3
#: The ``before_trip`` question comes within this many days before the trip's first day.
BEFORE_TRIP_DAYS = 2
#: The ``after_trip`` question comes on the first daily round within this many days after
#: the trip's last day; after that the trip is forgotten.
AFTER_TRIP_DAYS = 3

#: Chooses one of the candidates; the second argument holds their relative weights.
Picker = Callable[[Sequence[Question], Sequence[float]], Question]


@dataclass(frozen=True)
class History:
    """What the rule needs to know about a pair, as of ``now`` (UTC).

    ``asked``: for each question id asked, how often and when last (UTC). ``revealed``: how
    many of the pair's rounds were revealed. ``mismatches``: (dimension, instant UTC) of the
    pair's offers after a mismatch in the last :data:`REVISIT_UNTIL`. ``age``: how long the
    pair exists. ``today``: the pair's local date. ``focus``: the pair's focus dimensions.
    ``sensitive_ok``: whether the pair may be asked sensitive questions. ``packs``: the ids of
    the pair's active life-stage packs. ``anniversary``: the pair's anniversary, if they gave
    one. ``trip``: the trip they noted, if any (local dates).
    """

    now: datetime
    today: date
    age: timedelta
    asked: Mapping[str, tuple[int, datetime]] = field(default_factory=dict)
    revealed: int = 0
    mismatches: Sequence[tuple[Dimension, datetime]] = ()
    focus: Collection[Dimension] = frozenset()
    sensitive_ok: bool = False
    packs: Collection[str] = ()
    anniversary: Anniversary | None = None
    trip: Trip | None = None

    def count(self, question: Question) -> int:
        """How often the pair was asked ``question``."""
        return self.asked.get(question.id, (0, self.now))[0]

    def last(self, question: Question) -> datetime | None:
        """When the pair was last asked ``question`` (UTC), or None."""
        entry = self.asked.get(question.id)
        return entry[1] if entry else None


def theme_of(pair_id: int, age: timedelta) -> Dimension | None:
    """The dimension a pair's theme week brings forward, or None outside theme weeks: every
    :data:`THEME_EVERY_WEEKS`-th week of the pair's life, a different dimension each time
    (offset by the pair's id so cohorts do not all share one)."""
    week = age.days // 7 + 1
    if week % THEME_EVERY_WEEKS:
        return None
    dimensions = list(Dimension)
    return dimensions[(pair_id + week // THEME_EVERY_WEEKS) % len(dimensions)]


@dataclass(frozen=True)
class _Parts:
    """A bank split by where its questions are asked (derived once per bank)."""

    light: tuple[Question, ...]
    deep: tuple[Question, ...]
    pulses: tuple[Question, ...]
    revisits: tuple[Question, ...]
    new_year: tuple[Question, ...]


_PARTS: dict[int, tuple[Sequence[Question], _Parts]] = {}


def _parts(bank: Sequence[Question]) -> _Parts:
    """``bank`` split by role (cached while the same sequence object is passed: the bot
    passes ``ContentBank.all_questions``; a new list is split anew)."""
    cached = _PARTS.get(id(bank))
    if cached is not None and cached[0] is bank:
        return cached[1]
    parts = _Parts(
        light=tuple(q for q in bank if q.depth is Depth.LIGHT and q.rotates),
        deep=tuple(q for q in bank if q.depth is Depth.DEEP and q.rotates),
        pulses=tuple(q for q in bank if q.role is Role.PULSE and q.pack is None),
        revisits=tuple(q for q in bank if q.role is Role.REVISIT and q.pack is None),
        new_year=tuple(q for q in bank if q.occasion is Occasion.NEW_YEAR and q.pack is None),
    )
    if isinstance(bank, tuple):
        if len(_PARTS) > 8:
            _PARTS.clear()
        _PARTS[id(bank)] = (bank, parts)
    return parts


def _eligible(question: Question, history: History) -> bool:
    if question.sensitive and not history.sensitive_ok:
        return False
    return question.level < 3 or history.revealed >= VULNERABLE_AFTER


def _least_asked(questions: Sequence[Question], history: History) -> list[Question]:
    """The least-asked of ``questions`` (file order)."""
    if not questions:
        return []
    least = min(history.count(q) for q in questions)
    return [q for q in questions if history.count(q) == least]


def _of_occasion(bank: Sequence[Question], history: History, occasion: Occasion) -> list[Question]:
    """The least-asked of the eligible questions of ``occasion``."""
    own = [
        q
        for q in bank
        if q.role is Role.OCCASION and q.occasion is occasion and _eligible(q, history)
    ]
    return _least_asked(own, history)


def _asked_within(questions: Sequence[Question], history: History, gap: timedelta) -> bool:
    return any((at := history.last(q)) and history.now - at < gap for q in questions)


def anniversary_due(anniversary: Anniversary, today: date) -> bool:
    """Whether ``today`` (a pair's local date) is the anniversary or one of the
    :data:`ANNIVERSARY_GRACE` days after it (across a new year too)."""
    for year in (today.year, today.year - 1):
        day = anniversary.in_year(year)
        if day <= today <= day + timedelta(days=ANNIVERSARY_GRACE):
            return True
    return False


def trip_occasion(trip: Trip, today: date) -> Occasion | None:
    """``before_trip`` on the :data:`BEFORE_TRIP_DAYS` before ``trip`` starts,
    ``after_trip`` on the :data:`AFTER_TRIP_DAYS` after it ends, else None."""
    if trip.start - timedelta(days=BEFORE_TRIP_DAYS) <= today < trip.start:
        return Occasion.BEFORE_TRIP
    if trip.end < today <= trip.end + timedelta(days=AFTER_TRIP_DAYS):
        return Occasion.AFTER_TRIP
    return None


def trip_over(trip: Trip, today: date) -> bool:
    """Whether ``trip`` is past and forgotten: its ``after_trip`` days are over."""
    return today > trip.end + timedelta(days=AFTER_TRIP_DAYS)


def _occasion(bank: Sequence[Question], history: History) -> list[Question]:
    """The occasion question due today, if any (see the module docstring): each trip window
    asks once (nothing of its occasion asked within the window), the anniversary and the new
    year once a year."""
    today = history.today
    due: list[tuple[Occasion, timedelta]] = []
    trip = history.trip
    kind = None if trip is None else trip_occasion(trip, today)
    if kind is Occasion.BEFORE_TRIP:
        due.append((kind, timedelta(days=BEFORE_TRIP_DAYS + 1)))
    if history.anniversary is not None and anniversary_due(history.anniversary, today):
        due.append((Occasion.ANNIVERSARY, OCCASION_GAP))
    if kind is Occasion.AFTER_TRIP:
        due.append((kind, timedelta(days=AFTER_TRIP_DAYS + 1)))
    if today.month == 1 and today.day <= 7:
        due.append((Occasion.NEW_YEAR, OCCASION_GAP))
    for occasion, gap in due:
        own = _of_occasion(bank, history, occasion)
        every = [q for q in bank if q.occasion is occasion]
        if own and not _asked_within(every, history, gap):
            return own
    return []


def _pack(bank: Sequence[Question], history: History) -> list[Question]:
    """Every other daily round while packs are active: their unasked light questions."""
    if not history.packs:
        return []
    light = {q.id: q for q in bank if q.depth is Depth.LIGHT}
    latest = max(
        ((at, qid) for qid, (_n, at) in history.asked.items() if qid in light), default=None
    )
    if latest is not None and light[latest[1]].pack is not None:
        return []
    fresh = [
        q
        for q in light.values()
        if q.pack in history.packs and q.role is Role.BANK and history.count(q) == 0
    ]
    return fresh


def _revisit(bank: Sequence[Question], history: History) -> list[Question]:
    """A revisit of the oldest mismatch 14–28 days ago not revisited since."""
    revisits = [q for q in _parts(bank).revisits if _eligible(q, history)]
    for dimension, at in history.mismatches:
        if not REVISIT_AFTER <= history.now - at <= REVISIT_UNTIL:
            continue
        own = [q for q in revisits if q.dimension is dimension]
        if own and not any((last := history.last(q)) and last >= at for q in own):
            return _least_asked(own, history)
    return []


def _pulse(bank: Sequence[Question], history: History) -> list[Question]:
    """The pulse question waiting longest, when one is due and none was asked lately."""
    if history.age < PULSE_FROM:
        return []
    pulses = [q for q in _parts(bank).pulses if _eligible(q, history)]
    lasts = [history.last(q) for q in pulses]
    if any(at and history.now - at < PULSE_SPACING for at in lasts):
        return []
    due = [
        (at or datetime.min.replace(tzinfo=history.now.tzinfo), index, q)
        for index, (q, at) in enumerate(zip(pulses, lasts, strict=True))
        if at is None or history.now - at >= PULSE_EVERY
    ]
    return [min(due, key=lambda item: (item[0], item[1]))[2]] if due else []


def _weights(pair_id: int, history: History) -> dict[object, int]:
    weights: dict[object, int] = {d: FOCUS_WEIGHT if d in history.focus else 1 for d in Dimension}
    theme = theme_of(pair_id, history.age)
    if theme is not None:
        weights[theme] = max(weights[theme], THEME_WEIGHT)
    return weights


def _rotation(
    part: Sequence[Question],
    history: History,
    key: Callable[[Question], object],
    weights: Mapping[object, int],
) -> tuple[list[Question], list[float]]:
    """The candidates of one draw from ``part`` (rotating questions of one depth or weekly
    part) and their weights: each group (by ``key``: dimension, or boundary area) weighs
    ``weights[group]`` (default 1) in all, shared evenly by its candidates, so a group's
    chance does not depend on how many questions it has left."""
    # One pass over the part: what each group was asked, and the eligible questions with
    # their counts (this runs for every round a wave opens).
    asked: Counter[object] = Counter()
    pool: list[tuple[Question, int, object]] = []
    for q in part:
        entry = history.asked.get(q.id)
        count = entry[0] if entry else 0
        group = key(q)
        asked[group] += count
        if _eligible(q, history):
            pool.append((q, count, group))
    if not pool:
        return [], []
    plain = [n for q, n, _ in pool if not q.sensitive] or [n for _, n, _ in pool]
    least = min(plain)
    # Fresh: unasked at this tier; a sensitive one also when asked less (it joined late).
    groups: dict[object, list[Question]] = {}
    for q, n, group in pool:
        if n == least or (q.sensitive and n < least):
            groups.setdefault(group, []).append(q)
    # A weighed-up group whose questions are all asked may repeat its least-asked ones.
    for group, times in weights.items():
        if times > 1 and group not in groups:
            own = [(q, n) for q, n, g in pool if g == group]
            if own:
                fewest = min(n for _, n in own)
                groups[group] = [q for q, n in own if n == fewest]
    # Self-correcting: a group behind its share of the pair's past questions weighs more
    # (twice per question behind, up to 8x), one ahead less, so a pair's year keeps close to
    # the shares instead of drifting with chance.
    total = sum(asked.values())
    weight_sum = sum(weights.get(group, 1) for group in asked)

    def balance(group: object) -> float:
        behind = weights.get(group, 1) / weight_sum * total - asked[group]
        return float(min(8.0, max(0.125, 2.0**behind)))

    candidates: list[Question] = []
    shares: list[float] = []
    for group, members in groups.items():
        if history.revealed < GETTING_TO_KNOW:
            members = [q for q in members if q.level == 1] or members
        candidates += members
        # Focus and theme never weigh up a sensitive question (DESIGN.md, privacy rule 8).
        even = balance(group)
        share = weights.get(group, 1) * even
        shares += [(even if q.sensitive else share) / len(members) for q in members]
    return candidates, shares


def daily(bank: Sequence[Question], pair_id: int, history: History, pick: Picker) -> Question:
    """The question of a pair's next daily (light) round; see the module docstring.

    ``bank``: every question (any role; packs' only while active). ``pick`` chooses one candidate
    by their weights (randomly in the bot). Raises ValueError when no light question of the
    rotation is eligible (the loader guarantees non-sensitive level 1–2 ones).
    """
    for planned in (_occasion, _revisit, _pulse):
        found = planned(bank, history)
        if found:
            return pick(found, [1.0] * len(found))
    packed, shares = _rotation(_pack(bank, history), history, lambda q: q.pack, {})
    if packed:
        return pick(packed, shares)
    light = _parts(bank).light
    weights = _weights(pair_id, history)
    candidates, shares = _rotation(light, history, lambda q: q.dimension, weights)
    if not candidates:
        raise ValueError("no eligible light question in the bank")
    return pick(candidates, shares)


def _pack_deep(
    bank: Sequence[Question], history: History, pick: Picker
) -> tuple[WeeklySlot, Question] | None:
    """One unasked deep question of the active packs and the part it takes (needs or health),
    or None."""
    if not history.packs:
        return None
    fresh = [
        q
        for q in bank
        if q.depth is Depth.DEEP
        and q.pack in history.packs
        and q.role is Role.BANK
        and history.count(q) == 0
    ]
    candidates, shares = _rotation(fresh, history, lambda q: q.pack, {})
    if not candidates:
        return None
    chosen = pick(candidates, shares)
    slot = chosen.dimension.weekly_slot
    return (WeeklySlot.NEEDS if slot is WeeklySlot.BOUNDARIES else slot), chosen


def weekly(
    bank: Sequence[Question], pair_id: int, history: History, pick: Picker
) -> list[Question]:
    """The three deep questions of a pair's weekly round (needs, boundaries, health), one per
    part that has an eligible question; see the module docstring. The boundaries part weighs
    boundary areas evenly; the others weigh dimensions as the daily draw does. An active
    pack's unasked deep question takes the needs or the health part."""
    deep = _parts(bank).deep
    weights = _weights(pair_id, history)
    packed = _pack_deep(bank, history, pick)
    chosen = []
    for slot in WeeklySlot:
        if packed is not None and packed[0] is slot:
            chosen.append(packed[1])
            continue
        part = [q for q in deep if q.dimension.weekly_slot is slot]
        if slot is WeeklySlot.BOUNDARIES:
            candidates, shares = _rotation(part, history, lambda q: q.area, {})
        else:
            candidates, shares = _rotation(part, history, lambda q: q.dimension, weights)
        if candidates:
            chosen.append(pick(candidates, shares))
    return chosen
