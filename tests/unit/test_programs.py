"""Cohort programs: the loader's refusals (a check whose change has no single meaning, a week
that lists a light closed question before a deep or open one), the shipped programs, and the
direction of the before/after check figure."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.domain import gates
from bot.domain.cohorts.figures import Figure
from content.loader import load_content
from content.programs import PROGRAMS_FOLDER, check_problem, leads, load_programs
from content.schema import CONTENT_DIR, ContentError, Depth, Polarity

BANK = load_content()
SHIPPED = CONTENT_DIR / PROGRAMS_FOLDER / "communication-repair-4w.yaml"


def _program(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    raw.update(changes)
    return raw


def _load(tmp_path: Path, raw: dict[str, Any]) -> None:
    folder = tmp_path / PROGRAMS_FOLDER
    folder.mkdir(exist_ok=True)
    (folder / "mine.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    load_programs(folder, BANK.questions, BANK.exercises)


def _refusal(tmp_path: Path, raw: dict[str, Any]) -> str:
    with pytest.raises(ContentError) as caught:
        _load(tmp_path, raw)
    return str(caught.value)


# ------------------------------------------------------------------------------ the check


def test_a_check_question_whose_ends_are_preferences_is_refused(tmp_path: Path) -> None:
    assert BANK.questions["alone-time"].polarity is Polarity.NONE
    raw = _program(check=["co-pulse", "cf-pulse", "alone-time"])
    assert _refusal(tmp_path, raw) == (
        "programs/mine.yaml: check question 'alone-time' has polarity 'none': a check "
        "question needs polarity 'high' or 'low', so a change in its average has one meaning"
    )


def test_a_giving_receiving_check_question_is_refused(tmp_path: Path) -> None:
    # Each partner answers from their own side: a couple's average stays at 3 either way.
    for qid in ("care-wish", "keep-track"):
        message = _refusal(tmp_path, _program(check=["co-pulse", "cf-pulse", qid]))
        assert message.startswith(f"programs/mine.yaml: check question '{qid}' is a giving")
        assert "average stays in the middle whether a couple is balanced or not" in message


def test_a_check_question_that_is_not_a_scale_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, _program(check=["co-pulse", "cf-pulse", "three-words"]))
    assert message == "programs/mine.yaml: check question 'three-words' is not a scale question"


def test_a_check_question_without_a_polarity_is_refused() -> None:
    bare = BANK.questions["co-pulse"].model_copy(update={"polarity": None})
    assert check_problem(bare) is not None
    assert "has no polarity" in (check_problem(bare) or "")
    low = BANK.questions["cf-old-hurt"]
    assert low.polarity is Polarity.LOW and check_problem(low) is None


def test_the_whole_loader_names_the_file(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / PROGRAMS_FOLDER / "interdependence-6w.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["check"] = ["alone-time", "missing-you", "care-wish", "keep-track"]  # the old check
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(copy)
    assert str(caught.value).startswith(
        "programs/interdependence-6w.yaml: check question 'alone-time' has polarity 'none'"
    )


# ---------------------------------------------------------------------- a week's order


def test_a_week_listing_a_light_question_before_a_deep_one_is_refused(tmp_path: Path) -> None:
    raw = _program()
    raw["schedule"][1]["questions"] = ["safe-to-say", "raise-how", "co-direct-ask"]
    assert _refusal(tmp_path, raw) == (
        "programs/mine.yaml: week 2: 'co-direct-ask' (deep, scale) comes after 'raise-how' "
        "(light, choice): list a week's deep and open questions first (questions are asked in "
        "order, so a cohort with fewer check-in days than questions gets the first ones)"
    )


def test_a_week_listing_a_light_question_before_an_open_one_is_refused(tmp_path: Path) -> None:
    raw = _program()
    raw["schedule"][0]["questions"] = ["co-news-first", "co-good-talk"]
    assert "week 1: 'co-good-talk' (light, open) comes after 'co-news-first'" in _refusal(
        tmp_path, raw
    )


def test_what_leads_a_week() -> None:
    q = BANK.questions
    assert leads(q["co-fix-or-listen"])  # deep, closed
    assert leads(q["co-good-talk"])  # light, open
    assert leads(q["safe-to-say"])  # deep, open
    assert not leads(q["raise-how"]) and not leads(q["co-phone-free"])  # light, closed


# ---------------------------------------------------------------------- shipped programs


def test_three_programs_ship() -> None:
    programs = BANK.programs
    assert set(programs) == {"interdependence-6w", "communication-repair-4w", "together-apart-4w"}
    assert programs["communication-repair-4w"].weeks == programs["together-apart-4w"].weeks == 4


def test_the_programs_gate_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert not [p for p in gates.problems(BANK, simulate=False) if p.startswith("programs")]
    main(["content", "check"])
    assert ", 3 programs, " in capsys.readouterr().out


@pytest.mark.parametrize("program_id", sorted(BANK.programs))
def test_each_shipped_week_opens_with_deep_and_open_questions(program_id: str) -> None:
    program = BANK.programs[program_id]
    for number, week in enumerate(program.schedule, start=1):
        questions = [BANK.questions[q] for q in week.questions]
        heads = [q for q in questions if leads(q)]
        assert questions[: len(heads)] == heads, (number, week.questions)
        assert any(q.depth is Depth.DEEP for q in questions), number
        assert any(q.kind == "open" for q in questions), number
        assert len({q.kind for q in questions}) >= 3, number  # a mix of kinds
        # The first two are both leads: a cohort with two check-in days gets them in a
        # check week too (the check takes the first day).
        assert len(heads) >= 2, number
        assert not set(week.questions) & set(program.check), number
    for qid in program.check:
        assert BANK.questions[qid].polarity in (Polarity.HIGH, Polarity.LOW), qid


def test_the_new_programs_ask_no_sensitive_question() -> None:
    for program_id in ("communication-repair-4w", "together-apart-4w"):
        program = BANK.programs[program_id]
        ids = [*program.check, *(q for w in program.schedule for q in w.questions)]
        assert not [q for q in ids if BANK.questions[q].sensitive], program_id
        assert len(set(ids)) == len(ids), program_id  # nothing asked twice by the program


# ---------------------------------------------------------------------- the check figure


def test_a_low_polarity_check_figure_is_shown_turned_round() -> None:
    # Five couples, centred sum -12: both partners about 1.8 on average.
    figure = Figure(frozenset(range(5)), alike=False, count=5, total=-12)
    assert figure.mean(5) == 1.8 == figure.mean(5, Polarity.HIGH) == figure.mean(5, None)
    assert figure.mean(5, Polarity.LOW) == 4.2  # 6 - 1.8: more of the topic, higher
    # Clamped to the scale first, then turned: the ends swap, nothing leaves 1-5.
    extreme = Figure(frozenset(range(5)), alike=False, count=5, total=-60)
    assert (extreme.mean(5), extreme.mean(5, Polarity.LOW)) == (1.0, 5.0)
