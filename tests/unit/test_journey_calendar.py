"""The journey rule's calendar (``bot.domain.journey``): life-stage packs taking every other
daily round and a weekly part, the anniversary question once a year, questions before and
after a trip; and the typed dates ``/anniversary`` and ``/trip`` read
(``bot.domain.dates``)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.domain import journey
from bot.domain.dates import DateError, DateProblem, DayMonth, read_dates
from bot.domain.journey import History
from bot.domain.model import Anniversary, Trip
from content.loader import load_content
from content.schema import (
    CONTENT_DIR,
    Depth,
    Dimension,
    Occasion,
    Question,
    Role,
    Trigger,
    WeeklySlot,
)

SHIPPED = list(load_content().questions.values())
START = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)


def _pack_question(
    n: int, depth: str, dimension: str = "together_apart", **extra: object
) -> Question:
    return Question.model_validate(
        {
            "id": f"tp-{depth}-{n}",
            "dimension": dimension,
            "depth": depth,
            "kind": "open",
            "text": f"A question of the test pack, number {n}, {depth}?",
            "pack": "tp",
            **extra,
        }
    )


#: A pack of ten light questions (one sensitive, one level 3) and four deep ones.
PACK = [
    *(_pack_question(n, "light") for n in range(8)),
    _pack_question(8, "light", sensitive=True),
    _pack_question(9, "light", level=3),
    _pack_question(0, "deep", "support"),
    _pack_question(1, "deep", "trust"),
    _pack_question(2, "deep", "boundaries"),
    _pack_question(3, "deep", "conflict"),
]
BANK = SHIPPED + PACK


@dataclass
class Pair:
    """A simulated pair: its calendar, what it was asked and when."""

    packs: tuple[str, ...] = ()
    anniversary: Anniversary | None = None
    trip: Trip | None = None
    opted_in: bool = True
    revealed: int = 0
    asked: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    log: list[tuple[datetime, Question]] = field(default_factory=list)

    def history(self, now: datetime) -> History:
        return History(
            now=now,
            today=now.date(),
            age=now - START,
            asked=dict(self.asked),
            revealed=self.revealed,
            sensitive_ok=self.opted_in and now - START >= timedelta(days=28),
            packs=self.packs,
            anniversary=self.anniversary,
            trip=self.trip,
        )

    def record(self, now: datetime, questions: Sequence[Question]) -> None:
        for q in questions:
            count = self.asked.get(q.id, (0, now))[0]
            self.asked[q.id] = (count + 1, now)
            self.log.append((now, q))
        self.revealed += 1

    def daily(self, now: datetime, pick: journey.Picker) -> Question:
        question = journey.daily(BANK, 7, self.history(now), pick)
        self.record(now, [question])
        return question

    def weekly(self, now: datetime, pick: journey.Picker) -> list[Question]:
        questions = journey.weekly(BANK, 7, self.history(now), pick)
        self.record(now, questions)
        return questions


def seeded(seed: int = 1) -> journey.Picker:
    rng = random.Random(seed)
    return lambda candidates, weights: rng.choices(list(candidates), weights=list(weights))[0]


def days(first: datetime, count: int, skip: Sequence[date] = ()) -> list[datetime]:
    return [
        first + timedelta(days=n)
        for n in range(count)
        if (first + timedelta(days=n)).date() not in skip
    ]


def occasions(pair: Pair, occasion: Occasion) -> list[date]:
    return [at.date() for at, q in pair.log if q.occasion is occasion]


# ------------------------------------------------------------------------------------- packs


def test_an_active_pack_takes_every_other_daily_round_until_its_questions_are_used_up() -> None:
    pair = Pair(packs=("tp",), opted_in=False)
    pick = seeded()
    for now in days(START, 40):
        pair.daily(now, pick)
    from_pack = [q for _, q in pair.log if q.pack == "tp"]
    # Eight plain questions: the sensitive one waits for both partners' yes, the level 3 one
    # for twenty revealed check-ins (it comes once there are).
    assert {q.id for q in from_pack} == {f"tp-light-{n}" for n in (*range(8), 9)}
    assert len(from_pack) == len({q.id for q in from_pack})  # none twice
    # Every other daily round: never two pack questions in a row, and while plain ones are
    # left never two other rounds in a row (pulse, revisit and occasion questions aside: they
    # come first on their days).
    rotation = [q.pack == "tp" for _, q in pair.log if q.role is Role.BANK]
    last_plain = [i for i, packed in enumerate(rotation) if packed][7]
    assert not any(a and b for a, b in itertools.pairwise(rotation))
    assert all(a or b for a, b in itertools.pairwise(rotation[: last_plain + 1]))
    # Used up: the bank's rotation again (the level 3 one joins at twenty check-ins).
    assert [q.id for _, q in pair.log[20:] if q.pack] == ["tp-light-9"]
    level_three = next(i for i, (_, q) in enumerate(pair.log) if q.id == "tp-light-9")
    assert level_three >= journey.VULNERABLE_AFTER


def test_a_sensitive_pack_question_comes_only_once_the_pair_may_be_asked_it() -> None:
    pair = Pair(packs=("tp",), revealed=30)
    pick = seeded(2)
    for now in days(START, 60):
        pair.daily(now, pick)
    (at,) = [at for at, q in pair.log if q.id == "tp-light-8"]
    assert at - START >= timedelta(days=28)


def test_no_pack_question_without_the_pack_turned_on() -> None:
    for packs in ((), ("another-pack",)):
        pair = Pair(packs=packs)
        pick = seeded(3)
        for now in days(START, 30):
            pair.daily(now, pick)
        for week in range(8):
            pair.weekly(START + timedelta(weeks=week), pick)
        assert not any(q.pack for _, q in pair.log)


def test_a_pack_deep_question_takes_the_needs_or_health_part_of_weekly_rounds() -> None:
    pair = Pair(packs=("tp",), revealed=30)
    pick = seeded(4)
    rounds = [pair.weekly(START + timedelta(weeks=week), pick) for week in range(6)]
    for questions in rounds[:4]:
        slots = [q.dimension.weekly_slot for q in questions]
        assert slots[1] is WeeklySlot.BOUNDARIES and questions[1].pack is None
        (packed,) = [q for q in questions if q.pack == "tp"]
        part = WeeklySlot.NEEDS if questions.index(packed) == 0 else WeeklySlot.HEALTH
        expected = packed.dimension.weekly_slot
        assert part is (WeeklySlot.NEEDS if expected is WeeklySlot.BOUNDARIES else expected)
    assert {q.id for r in rounds[:4] for q in r if q.pack} == {f"tp-deep-{n}" for n in range(4)}
    assert all(q.pack is None and q.depth is Depth.DEEP for r in rounds[4:] for q in r)
    assert all(len(r) == 3 for r in rounds)


# ------------------------------------------------------------------------------- anniversary


def test_the_anniversary_question_comes_on_the_day_once_a_year() -> None:
    pair = Pair(anniversary=Anniversary(6, 14, 2019))
    pick = seeded(5)
    for now in days(START, 800):
        pair.daily(now, pick)
    assert occasions(pair, Occasion.ANNIVERSARY) == [date(2027, 6, 14), date(2028, 6, 14)]
    assert len(occasions(pair, Occasion.NEW_YEAR)) == 2  # one each January, as before


def test_a_missed_anniversary_comes_on_the_first_round_within_three_days() -> None:
    missed_two = Pair(anniversary=Anniversary(6, 14))
    missed_all = Pair(anniversary=Anniversary(6, 14))
    pick = seeded(6)
    for now in days(START, 200, skip=[date(2027, 6, 14), date(2027, 6, 15)]):
        missed_two.daily(now, pick)
    away = [date(2027, 6, d) for d in range(14, 18)]
    for now in days(START, 200, skip=away):
        missed_all.daily(now, pick)
    assert occasions(missed_two, Occasion.ANNIVERSARY) == [date(2027, 6, 16)]
    assert occasions(missed_all, Occasion.ANNIVERSARY) == []


def test_an_anniversary_at_the_turn_of_the_year_and_on_29_february() -> None:
    assert journey.anniversary_due(Anniversary(12, 30), date(2028, 1, 2))
    assert not journey.anniversary_due(Anniversary(12, 30), date(2028, 1, 3))
    assert journey.anniversary_due(Anniversary(2, 29, 2020), date(2027, 2, 28))
    assert journey.anniversary_due(Anniversary(2, 29, 2020), date(2028, 2, 29))
    assert not journey.anniversary_due(Anniversary(2, 29, 2020), date(2028, 2, 28))


def test_without_an_anniversary_no_anniversary_question() -> None:
    pair = Pair()
    pick = seeded(7)
    for now in days(START, 400):
        pair.daily(now, pick)
    assert occasions(pair, Occasion.ANNIVERSARY) == []


# ------------------------------------------------------------------------------------- trips


def test_a_trip_brings_one_question_before_and_one_after() -> None:
    trip = Trip(date(2027, 3, 10), date(2027, 3, 14))
    pair = Pair(trip=trip)
    pick = seeded(8)
    for now in days(START, 30):
        pair.daily(now, pick)
    assert occasions(pair, Occasion.BEFORE_TRIP) == [date(2027, 3, 8)]
    assert occasions(pair, Occasion.AFTER_TRIP) == [date(2027, 3, 15)]
    late = Pair(trip=trip)
    skip = [date(2027, 3, 8), date(2027, 3, 9)] + [date(2027, 3, d) for d in range(15, 19)]
    for now in days(START, 30, skip=skip):
        late.daily(now, pick)
    assert occasions(late, Occasion.BEFORE_TRIP) == []  # the two days before: no round
    assert occasions(late, Occasion.AFTER_TRIP) == []  # nor within three days after
    assert journey.trip_over(trip, date(2027, 3, 18))
    assert not journey.trip_over(trip, date(2027, 3, 17))


def test_trip_questions_come_first_and_the_pack_takes_its_turn_around_them() -> None:
    pair = Pair(packs=("tp",), trip=Trip(date(2027, 3, 3), date(2027, 3, 3)))
    pick = seeded(9)
    for now in days(START, 6):
        pair.daily(now, pick)
    kinds = [q.occasion or ("pack" if q.pack else "bank") for _, q in pair.log]
    assert kinds == [Occasion.BEFORE_TRIP, "pack", "bank", Occasion.AFTER_TRIP, "pack", "bank"]


def test_the_content_gates_simulate_a_pair_without_a_calendar() -> None:
    history = History(now=START, today=START.date(), age=timedelta(0))
    assert not history.packs and history.anniversary is None and history.trip is None
    question = journey.daily(BANK, 1, history, seeded())
    assert question.role is Role.BANK and question.pack is None


# ------------------------------------------------------------------------------- typed dates


TODAY = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2019-06-14", [DayMonth(14, 6, 2019)]),
        ("14 June", [DayMonth(14, 6)]),
        ("June 14, 2019", [DayMonth(14, 6, 2019)]),
        ("14th jun 2019", [DayMonth(14, 6, 2019)]),
        ("14.06.2019", [DayMonth(14, 6, 2019)]),
        ("29 Feb", [DayMonth(29, 2)]),
        ("3 May 10 May", [DayMonth(3, 5), DayMonth(10, 5)]),
        ("3 may to 10 may 2027", [DayMonth(3, 5), DayMonth(10, 5, 2027)]),
        ("today tomorrow", [DayMonth(1, 3, 2027), DayMonth(2, 3, 2027)]),
    ],
)
def test_dates_as_partners_type_them(typed: str, expected: list[DayMonth]) -> None:
    assert read_dates(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("31 February", DateProblem.NO_SUCH_DAY),
        ("2019-02-30", DateProblem.NO_SUCH_DAY),
        ("31.04", DateProblem.NO_SUCH_DAY),
        ("banana", DateProblem.UNREADABLE),
        ("03/05", DateProblem.UNREADABLE),  # March or May: whoever typed it knows
        ("14 June 1066", DateProblem.YEAR_TOO_EARLY),
        ("1899-12-31", DateProblem.YEAR_TOO_EARLY),
        ("01.01.2200", DateProblem.YEAR_TOO_LATE),
        ("", DateProblem.UNREADABLE),
        ("June", DateProblem.UNREADABLE),
    ],
)
def test_what_is_not_a_date_says_why(typed: str, reason: DateProblem) -> None:
    with pytest.raises(DateError) as caught:
        read_dates(typed, TODAY)
    assert caught.value.reason is reason


def test_a_date_without_a_year_is_its_next_occurrence() -> None:
    assert DayMonth(14, 6).on_or_after(TODAY) == date(2027, 6, 14)
    assert DayMonth(14, 2).on_or_after(TODAY) == date(2028, 2, 14)
    assert DayMonth(29, 2).on_or_after(TODAY) == date(2028, 2, 29)
    assert DayMonth(1, 3).on_or_after(TODAY) == TODAY


def test_a_pack_exercise_follows_only_its_own_pack_questions(tmp_path: Path) -> None:
    bank = load_content(pack_folder(tmp_path))
    exercise = bank.exercise("tp-plan")
    own = bank.question("tp-often")
    other = next(q for q in SHIPPED if q.pack is None and q.dimension is own.dimension)
    assert exercise in bank.exercises_after(own, Trigger.MISMATCH)
    assert exercise not in bank.exercises_after(other, Trigger.MISMATCH)


def pack_folder(folder: Path) -> Path:
    """The shipped content and a pack of one question whose rule names the pack's exercise."""
    for name in ("questions.yaml", "exercises.yaml"):
        (folder / name).write_text((CONTENT_DIR / name).read_text())
    for sub in ("questions", "exercises"):
        (folder / sub).mkdir()
        for path in (CONTENT_DIR / sub).glob("*.yaml"):
            (folder / sub / path.name).write_text(path.read_text())
    shipped = load_content()
    partner = shipped.exercises_for(Dimension.TOGETHER_APART, Trigger.MISMATCH)[0].id
    pack = {
        "id": "tp",
        "name": "Test pack",
        "description": "A pack of the tests, with one question and one exercise.",
        "questions": [
            {
                "id": "tp-often",
                "dimension": "together_apart",
                "depth": "light",
                "kind": "wants",
                "text": "Evenings at home together this month: less, the same or more?",
                "mismatch": {"exercises": ["tp-plan", partner]},
            }
        ],
        "exercises": [
            {
                "id": "tp-plan",
                "kind": "negotiation",
                "dimensions": ["together_apart"],
                "triggers": ["mismatch"],
                "title": "Plan the evenings",
                "why": "A plan for the evenings takes the guessing out of them.",
                "minutes": 15,
                "steps": ["Each name two evenings.", "Compare.", "Agree on one."],
            }
        ],
    }
    (folder / "packs").mkdir()
    (folder / "packs" / "tp.yaml").write_text(yaml.safe_dump(pack))
    return folder
