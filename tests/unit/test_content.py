"""The shipped content, read from the files themselves: coverage figures of issue 3, the
answer-gap rules, the loader's refusals for each new field, and the cohort programs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from content.loader import load_content
from content.schema import (
    CONTENT_DIR,
    Axis,
    BoundaryArea,
    ContentError,
    Depth,
    Dimension,
    ExerciseKind,
    Gap,
    Question,
    Trigger,
    WeeklySlot,
)

BANK = load_content()


def test_question_bank_is_deep_enough_for_a_year() -> None:
    questions = list(BANK.questions.values())
    assert len(questions) >= 90
    per_dimension = Counter(q.dimension for q in questions)
    assert set(per_dimension) == set(Dimension)
    assert min(per_dimension.values()) >= 6, per_dimension
    assert {q.depth for q in questions} == set(Depth)
    assert {q.kind for q in questions} == {"scale", "choice", "wants", "open"}
    for question in questions:
        # Every question that can mismatch says what to do about it.
        assert (question.mismatch is None) == (question.kind == "open"), question.id


def test_each_axis_has_questions_that_describe_both_ends() -> None:
    for axis in Axis:
        placed = [q for q in BANK.questions.values() if q.axis is axis]
        assert len(placed) >= 3, axis
        assert all(q.kind == "scale" and q.scale is not None for q in placed)
    words = ("codependen", "diagnos", "disorder", "unhealthy", "too needy")
    for question in BANK.questions.values():
        assert not any(w in question.text.lower() for w in words), question.id


def test_a_weekly_round_can_always_be_filled_with_fresh_questions() -> None:
    deep = BANK.questions_of(Depth.DEEP)
    per_slot = Counter(q.dimension.weekly_slot for q in deep)
    assert set(per_slot) == set(WeeklySlot)
    assert min(per_slot.values()) >= 5, per_slot


def test_exercises_cover_every_kind_area_and_trigger() -> None:
    exercises = list(BANK.exercises.values())
    assert len(exercises) >= 24
    kinds = Counter(e.kind for e in exercises)
    assert kinds[ExerciseKind.NEGOTIATION] >= 6
    assert kinds[ExerciseKind.BOUNDARY] >= 6
    for kind in ExerciseKind:
        assert kinds[kind] >= 1, kind
    areas = {e.area for e in exercises if e.kind is ExerciseKind.BOUNDARY}
    assert areas == set(BoundaryArea)
    for exercise in exercises:
        assert 5 <= exercise.minutes <= 60 and 3 <= len(exercise.steps) <= 8
        assert exercise.triggers and exercise.dimensions
    for dimension in Dimension:
        # ``imbalance`` only where a giving <-> receiving question is (tests/unit/test_rotation.py).
        for trigger in (Trigger.MISMATCH, Trigger.REPEATED, Trigger.SHARED_CONCERN):
            assert BANK.exercises_for(dimension, trigger), (dimension, trigger)


def test_mismatch_rules_offer_a_real_choice() -> None:
    for question in BANK.questions.values():
        if question.mismatch is None:
            continue
        options = question.mismatch.exercises
        assert 2 <= len(options) <= 3 and len(set(options)) == len(options)
        for exercise_id in options:
            exercise = BANK.exercise(exercise_id)
            assert question.dimension in exercise.dimensions
            assert Trigger.MISMATCH in exercise.triggers


def _question(kind: str, **extra: object) -> Question:
    fields: dict[str, object] = {
        "id": "q",
        "dimension": "trust",
        "depth": "light",
        "kind": kind,
        "text": "A question for the two of you?",
        "mismatch": {"exercises": ["a", "b"]},
    }
    fields.update(extra)
    return Question.model_validate(fields)


def test_wants_more_against_less_is_a_negotiation_and_same_a_small_gap() -> None:
    wants = _question("wants")
    assert wants.gap("less", "more") is Gap.MISMATCH
    assert wants.gap("more", "less") is Gap.MISMATCH
    assert wants.gap("same", "more") is Gap.SMALL
    assert wants.gap("less", "same") is Gap.SMALL
    assert wants.gap("more", "more") is Gap.NONE
    assert wants.gap("more", "plenty") is Gap.NONE  # unparseable never mismatches


def test_scale_and_choice_gaps_follow_their_own_rule() -> None:
    scale = _question("scale", scale={"low": "a", "high": "b"})
    assert scale.gap("1", "3") is Gap.MISMATCH
    assert scale.gap("2", "3") is Gap.SMALL
    choice = _question(
        "choice",
        options=[{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}, {"id": "z", "label": "Z"}],
        mismatch={"exercises": ["a", "b"], "conflicts": [["x", "y"]]},
    )
    assert choice.gap("y", "x") is Gap.MISMATCH
    assert choice.gap("x", "z") is Gap.SMALL


def _write(folder: Path, questions: list[dict[str, object]], exercises: str) -> Path:
    (folder / "questions.yaml").write_text(yaml.safe_dump(questions))
    (folder / "exercises.yaml").write_text(exercises)
    return folder


SHIPPED_EXERCISES = (CONTENT_DIR / "exercises.yaml").read_text()
GOOD: dict[str, object] = {
    "id": "q1",
    "dimension": "trust",
    "depth": "light",
    "kind": "scale",
    "text": "How settled do you feel?",
    "scale": {"low": "a", "high": "b"},
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"depth": "medium"}, "entry 'q1' (#1): depth"),
        ({"kind": "choice", "scale": None, "axis": "together_apart"}, "only a scale question"),
        ({"low_is_concern": True, "kind": "wants", "scale": None}, "only a scale question"),
        ({"mismatch": {"exercises": ["limits-lines"]}}, "mismatch.exercises"),
        (
            {"mismatch": {"exercises": ["closeness-dial", "promises-kept"]}},
            "exercise 'closeness-dial' does not cover dimension 'trust'",
        ),
        (
            {"mismatch": {"exercises": ["repair-attempts", "promises-kept"]}},
            "exercise 'repair-attempts' has no 'mismatch' trigger",
        ),
    ],
)
def test_a_bad_question_is_refused_naming_file_and_entry(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    entry = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(ContentError) as caught:
        load_content(_write(tmp_path, [entry], SHIPPED_EXERCISES))
    assert str(caught.value).startswith("questions.yaml: entry 'q1' (#1)")
    assert expected in str(caught.value)


def test_a_boundary_exercise_needs_its_area(tmp_path: Path) -> None:
    broken = SHIPPED_EXERCISES.replace("  area: physical\n", "", 1)
    with pytest.raises(ContentError) as caught:
        load_content(_write(tmp_path, [GOOD], broken))
    assert "exercises.yaml: entry 'touch-space'" in str(caught.value)
    assert "needs an 'area'" in str(caught.value)


def test_every_dimension_needs_a_deeper_and_a_joint_exercise(tmp_path: Path) -> None:
    raw = yaml.safe_load(SHIPPED_EXERCISES)
    for exercise in raw:
        exercise["triggers"] = [t for t in exercise["triggers"] if t != "both_low"] or ["mismatch"]
    (tmp_path / "questions.yaml").write_text((CONTENT_DIR / "questions.yaml").read_text())
    (tmp_path / "exercises.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert "no exercise with trigger 'both_low' covers dimension" in str(caught.value)


def test_a_weekly_round_needs_a_deep_question_for_each_part(tmp_path: Path) -> None:
    deep = {**GOOD, "id": "q2", "depth": "deep"}  # trust: the "health" part only
    with pytest.raises(ContentError) as caught:
        load_content(_write(tmp_path, [GOOD, deep], SHIPPED_EXERCISES))
    assert "no deep question for the weekly round's 'needs' part" in str(caught.value)


# ------------------------------------------------------------------------------- cohort programs


def test_a_program_with_a_week_missing_is_refused(tmp_path: Path) -> None:
    for name in ("questions.yaml", "exercises.yaml"):
        (tmp_path / name).write_text((CONTENT_DIR / name).read_text())
    (tmp_path / "programs").mkdir()
    raw = yaml.safe_load((CONTENT_DIR / "programs" / "interdependence-6w.yaml").read_text())
    raw["schedule"] = raw["schedule"][:5]
    (tmp_path / "programs" / "short.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert str(caught.value) == "programs/short.yaml: declares 6 weeks but week 6 is missing"


def test_the_shipped_program_covers_six_weeks_with_a_check() -> None:
    program = load_content().programs["interdependence-6w"]
    assert program.weeks == 6 == len(program.schedule)
    assert program.week(0).theme.startswith("Self")
    assert program.has_check(0) and program.has_check(5) and not program.has_check(2)
    assert all(w.prep_question for w in program.schedule)


# --------------------------------------------------------------------------------------- safety

#: Questions whose answers could pressure or endanger someone (issue 9): asked only after both
#: partners opted in, never in a pair's first four weeks.
SENSITIVE = {
    "limit-crossed",
    "phone-look",
    "openness-means",
    "voice-weight",
    "say-no",
    "posted",
    "out-without",
    "friend-talk",
    "money-pot",
    "voice-peace",
    "fight-topics",
    "sits-between",
}
#: Questions about whose voice counts or about money: "whoever cares more" never follows them.
VOICE_OR_MONEY = {
    "voice-weight",
    "voice-peace",
    "money-pot",
    "big-decisions",
    "good-ending",
    "fight-topics",
    "openness-means",
    "opinion-room",
    # Added with the communication and responsibilities questions of issue 11.
    "re-money-talk",
    "re-money-feel",
    "re-money-means",
    "re-say-unfair",
    "co-change-mind",
    "co-react-worry",
    # Who gives way in disagreements (conflict), and the packs' money and say questions.
    "cf-deep-give-way",
    "mi-whose-say",
    "np-baby-say",
    "jc-own-call",
    "jc-money-mind",
    "cg-who-decides",
    "wd-settle-how",
    "wd-spend-view",
}


def test_the_questions_that_could_pressure_someone_are_tagged_sensitive() -> None:
    tagged = {q.id for q in BANK.questions.values() if q.sensitive}
    assert tagged >= SENSITIVE
    for question_id in tagged:
        question = BANK.question(question_id)
        stand_ins = [
            q
            for q in BANK.questions.values()
            if not q.sensitive and (q.dimension, q.depth) == (question.dimension, question.depth)
        ]
        assert stand_ins, question_id
    for slot in WeeklySlot:
        assert any(
            not q.sensitive and q.dimension.weekly_slot is slot
            for q in BANK.questions_of(Depth.DEEP)
        )


def test_reworded_questions_invite_no_disclosure_of_a_particular_moment() -> None:
    limit = BANK.question("limit-crossed").text.lower()
    phone = BANK.question("phone-look").text.lower()
    assert "generally" in limit and "generally" in phone
    for phrase in ("think of a time", "part of you meant no", "when you said yes"):
        assert phrase not in limit
    assert "looking through your phone" not in phone
    assert "without asking first" not in phone


def test_whoever_cares_more_never_follows_a_voice_or_money_question() -> None:
    cares_more = BANK.exercise("cares-more")
    assert set(cares_more.not_after) == VOICE_OR_MONEY
    assert set(cares_more.not_after) <= set(BANK.questions)  # no typo disarms it
    for question_id in VOICE_OR_MONEY:
        question = BANK.question(question_id)
        if question.mismatch is not None:
            assert "cares-more" not in question.mismatch.exercises, question_id
        for trigger in Trigger:
            offered = {e.id for e in BANK.exercises_after(question, trigger)}
            assert "cares-more" not in offered, (question_id, trigger)
    # It still helps with other questions of its dimensions.
    assert "cares-more" in {
        e.id for e in BANK.exercises_after(BANK.question("together-week"), Trigger.REPEATED)
    }


def test_saying_no_out_loud_is_low_stakes_role_play() -> None:
    steps = " ".join(BANK.exercise("limits-lines").steps).lower()
    assert "made-up" in steps and "swap roles" in steps and "skip it" in steps
    assert "practise once out loud" not in steps


def test_a_mismatch_rule_naming_an_exercise_that_must_not_follow_it_is_refused(
    tmp_path: Path,
) -> None:
    question = {**GOOD, "id": "money-pot", "dimension": "responsibilities", "kind": "scale"}
    question["mismatch"] = {"exercises": ["cares-more", "decision-share"]}
    with pytest.raises(ContentError) as caught:
        load_content(_write(tmp_path, [question], SHIPPED_EXERCISES))
    assert "exercise 'cares-more' must not follow it" in str(caught.value)


def test_a_sensitive_question_without_a_stand_in_is_refused(tmp_path: Path) -> None:
    questions = [
        GOOD,
        {**GOOD, "id": "q2", "sensitive": True, "depth": "deep"},
        {**GOOD, "id": "q3", "depth": "deep", "dimension": "boundaries"},
        {**GOOD, "id": "q4", "depth": "deep", "dimension": "support"},
    ]
    with pytest.raises(ContentError) as caught:
        load_content(_write(tmp_path, questions, SHIPPED_EXERCISES))
    assert "entry 'q2' (#2): sensitive, and no other deep question" in str(caught.value)
