"""The content fields issue 11 adds: giving ↔ receiving rules that measure disagreement about
reality, packs kept out of the rotation, and the fields' own checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from content.loader import load_content
from content.schema import CONTENT_DIR, ContentError, Depth, Gap, Question

SHIPPED_EXERCISES = (CONTENT_DIR / "exercises.yaml").read_text()
GOOD: dict[str, object] = {
    "id": "q1",
    "dimension": "trust",
    "depth": "light",
    "kind": "scale",
    "text": "How sure do you feel about it this week?",
    "scale": {"low": "Not sure", "high": "Very sure"},
}


def _folder(tmp_path: Path, questions: list[dict[str, object]]) -> Path:
    """The shipped bank plus ``questions`` (the loader wants every weekly part filled)."""
    shipped = (CONTENT_DIR / "questions.yaml").read_text()
    (tmp_path / "questions.yaml").write_text(shipped + "\n" + yaml.safe_dump(questions))
    (tmp_path / "exercises.yaml").write_text(SHIPPED_EXERCISES)
    return tmp_path


def test_giving_receiving_answers_that_mirror_agree_and_both_mostly_me_disagree() -> None:
    keep_track = load_content().question("keep-track")  # 1 mostly me … 5 mostly counting on it
    assert keep_track.gap("1", "5") is Gap.NONE  # one keeps track, the other counts on it
    assert keep_track.gap("2", "4") is Gap.NONE
    assert keep_track.gap("1", "1") is Gap.MISMATCH  # each thinks they do it
    assert keep_track.gap("5", "4") is Gap.MISMATCH  # each thinks the other does it
    assert keep_track.gap("2", "3") is Gap.SMALL
    assert keep_track.gap("3", "3") is Gap.NONE


def test_a_giving_receiving_question_must_measure_by_sum() -> None:
    with pytest.raises(ValueError, match="needs measure 'sum'"):
        Question.model_validate(
            {**GOOD, "axis": "giving_receiving", "mismatch": {"exercises": ["a", "b"]}}
        )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kind": "open", "scale": None, "polarity": "high"}, "only a scale question"),
        ({"low_is_concern": True, "high_is_concern": True}, "not both"),
        ({"role": "occasion"}, "names its 'occasion'"),
        ({"occasion": "new_year"}, "names its 'occasion'"),
        ({"area": "physical"}, "only a boundaries question"),
        ({"level": 4}, "level"),
    ],
)
def test_new_fields_are_checked(change: dict[str, object], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        Question.model_validate({k: v for k, v in {**GOOD, **change}.items() if v is not None})


def test_a_pack_joins_the_ids_but_not_the_rotation(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [GOOD])
    (folder / "packs").mkdir()
    pack = {
        "id": "moving-in",
        "name": "Moving in together",
        "description": "For the months around sharing a home for the first time.",
        "questions": [{**GOOD, "id": "boxes", "text": "How settled does the new place feel?"}],
    }
    (folder / "packs" / "moving-in.yaml").write_text(yaml.safe_dump(pack))
    bank = load_content(folder)
    assert bank.question("boxes").pack == "moving-in"
    rotation = [q.id for q in bank.questions_of(Depth.LIGHT)]
    assert "q1" in rotation and "boxes" not in rotation
    assert list(bank.packs) == ["moving-in"]


def test_a_pack_question_may_not_reuse_a_bank_id(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [GOOD])
    (folder / "packs").mkdir()
    pack = {
        "id": "p",
        "name": "A pack",
        "description": "A pack for testing duplicates.",
        "questions": [GOOD],
    }
    (folder / "packs" / "p.yaml").write_text(yaml.safe_dump(pack))
    with pytest.raises(ContentError, match="packs/p: entry 'q1': duplicate id"):
        load_content(folder)


def test_questions_in_a_subfolder_join_the_bank_and_errors_name_their_file(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path, [GOOD])
    (folder / "questions").mkdir()
    extra = {**GOOD, "id": "q2", "text": "How open did this week feel?"}
    (folder / "questions" / "trust.yaml").write_text(yaml.safe_dump([extra]))
    assert [q.id for q in load_content(folder).questions_of(Depth.LIGHT)][-2:] == ["q1", "q2"]
    (folder / "questions" / "trust.yaml").write_text(yaml.safe_dump([GOOD]))
    with pytest.raises(ContentError, match=r"questions/trust.yaml: entry 'q1' \(#1\): duplicate"):
        load_content(folder)
