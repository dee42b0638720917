"""The content gates (``bot.domain.gates``): the shipped bank passes them, and each gate fails
when its rule is broken."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import gates
from content.loader import ContentBank, load_content
from content.schema import Depth, MismatchRule, Question, Role

SHIPPED = load_content()


def test_the_shipped_content_passes_every_gate() -> None:
    assert gates.problems(SHIPPED) == []


def test_the_simulations_meet_a_year_without_unplanned_repeats() -> None:
    results = {label: sim for label, sim, _ in gates.simulations(SHIPPED)}
    assert results["daily pair"].rounds == gates.DAILY_DAYS
    assert results["daily pair with /checkin"].rounds == 2 * gates.CHECKIN_DAYS
    assert all(sim.first_repeat is None for sim in results.values())


def _with(bank: ContentBank, *questions: Question) -> ContentBank:
    merged = {**bank.questions, **{q.id: q for q in questions}}
    return replace(bank, questions=merged)


def test_a_near_duplicate_is_caught() -> None:
    original = SHIPPED.question("alone-time")
    copy = original.model_copy(
        update={"id": "alone-time-2", "text": original.text.replace("this week", "these days")}
    )
    found = gates.near_duplicates([original, copy])
    assert [(a, b) for a, b, _ in found] == [("alone-time", "alone-time-2")]
    assert not gates.near_duplicates([original, SHIPPED.question("free-evening")])


def test_a_rule_that_fires_on_agreement_or_never_is_caught() -> None:
    keep_track = SHIPPED.question("keep-track")  # a giving <-> receiving question: sum
    assert keep_track.mismatch is not None
    as_gap = keep_track.model_copy(
        update={
            "id": "keep-track-gap",
            "axis": None,
            "mismatch": MismatchRule(exercises=keep_track.mismatch.exercises, min_gap=2),
        }
    )
    never = as_gap.model_copy(
        update={
            "id": "never-fires",
            "mismatch": MismatchRule(exercises=keep_track.mismatch.exercises, min_gap=4),
        }
    )
    fires_on_mirror = keep_track.model_copy(
        update={
            "id": "sum-on-preference",
            "axis": None,
            "mismatch": MismatchRule(
                exercises=keep_track.mismatch.exercises, min_gap=1, measure="sum"
            ),
        }
    )
    problems = gates.problems(_with(SHIPPED, as_gap, never, fires_on_mirror), simulate=False)
    assert "keep-track-gap: its mismatch rule fires on answers that agree" not in problems
    # min_gap 4 on a 1-5 scale still fires (1 against 5): only an impossible rule never does.
    assert "never-fires: its mismatch rule never fires" not in problems
    assert "sum-on-preference: its mismatch rule fires on answers that agree" not in problems
    impossible = Question.model_construct(
        **{
            **never.model_dump(),
            "id": "impossible",
            "kind": "choice",
            "scale": None,
            "options": (),
            "mismatch": MismatchRule(exercises=("a", "b")),
        }
    )
    assert "impossible: its mismatch rule never fires" in gates.problems(
        _with(SHIPPED, impossible), simulate=False
    )


def test_counts_and_simulations_fail_for_a_small_bank() -> None:
    small = {
        q.id: q
        for q in SHIPPED.questions.values()
        if q.role is not Role.BANK or q.depth is Depth.DEEP or q.id[:3] not in ("ta-", "tr-")
    }
    bank = replace(SHIPPED, questions=small)
    problems = gates.problems(bank)
    assert "together_apart: daily questions 6 < 27" in problems
    assert any(p.startswith("daily pair: a question repeats at") for p in problems)
