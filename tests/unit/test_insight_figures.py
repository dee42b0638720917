"""/insights compares like with like (issue 11): levels only from questions with a polarity
(a ``low`` one turned round), questions of taste only as gaps, giving ↔ receiving questions as
agreement about who gives what, pulse questions as a trend line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.deps import TrendPoint
from bot.domain.insight.figures import Both, level, mismatches, tally, trends
from bot.domain.questions import FOLLOWUP_PREFIX
from bot.sandbox import shipped_content
from content.schema import Dimension, Polarity, Question

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def scale(qid: str, **fields: Any) -> Question:
    """A boundaries scale question with a gap rule, changed by ``fields``."""
    entry: dict[str, Any] = {
        "id": qid,
        "dimension": "boundaries",
        "depth": "light",
        "kind": "scale",
        "text": f"A question called {qid}?",
        "scale": {"low": "Low end", "high": "High end"},
        "mismatch": {"exercises": ["one", "two"]},
    }
    entry.update(fields)
    return Question.model_validate(entry)


HIGH = scale("easy-no", polarity="high")  # 5: easy to say no
LOW = scale("recharge", polarity="low")  # 5: a long while to recharge
TASTE = scale("alone-time", polarity="none")
MISSING = scale("no-polarity")
SUM = scale(
    "keep-track",
    dimension="responsibilities",
    polarity="none",
    axis="giving_receiving",
    mismatch={"exercises": ["one", "two"], "measure": "sum"},
)


def both(question: Question, mine: int, theirs: int, days: int | None = None) -> Both:
    at = None if days is None else T0 + timedelta(days=days)
    return Both(question, str(mine), str(theirs), at)


def test_a_low_polarity_answer_is_turned_round_before_it_is_averaged() -> None:
    found = tally([both(HIGH, 4, 2), both(LOW, 2, 4)])[Dimension.BOUNDARIES]
    # Without turning round: (4 + 2) / 2 = 3.0 for both, which would read as "the same".
    assert found.mine == [4, 4] and found.theirs == [2, 2]
    assert found.level_mine == 4.0 and found.level_theirs == 2.0
    assert found.level_gap == 2.0
    assert found.preferences is None and found.seen_apart is None
    assert [level(LOW, v) for v in (1, 2, 3, 4, 5)] == [5, 4, 3, 2, 1]
    assert [level(HIGH, v) for v in (1, 5)] == [1, 5]


def test_a_question_of_taste_counts_only_as_a_gap_never_in_an_average() -> None:
    found = tally([both(HIGH, 3, 3), both(TASTE, 1, 5), both(MISSING, 2, 3)])
    figures = found[Dimension.BOUNDARIES]
    assert figures.level_mine == 3.0 and figures.level_theirs == 3.0  # not (3 + 1 + 2) / 3
    assert figures.preference_gaps == [4, 1] and figures.preferences == 2.5
    assert level(TASTE, 5) is None and level(MISSING, 5) is None
    only_taste = tally([both(TASTE, 2, 4)])[Dimension.BOUNDARIES]
    assert only_taste.level_mine is None and only_taste.level_theirs is None
    assert only_taste.preferences == 2.0


def test_a_giving_receiving_question_counts_as_agreement_about_who_gives() -> None:
    # 1 "mostly me" against 5 "mostly my partner": both see the same reality.
    mirrored = tally([both(SUM, 1, 5)])[Dimension.RESPONSIBILITIES]
    assert mirrored.seen_apart == 0.0
    assert mirrored.level_mine is None and mirrored.preferences is None
    # Both "mostly me": they see it differently, though their answers are the same.
    same = tally([both(SUM, 1, 1), both(SUM, 4, 3)])[Dimension.RESPONSIBILITIES]
    assert same.mirror_gaps == [4, 1] and same.seen_apart == 2.5
    assert mismatches([both(SUM, 1, 5)]) == 0
    assert mismatches([both(SUM, 1, 1), both(HIGH, 1, 5), both(TASTE, 2, 3)]) == 2
    # A polarity never puts a giving <-> receiving question into an average.
    polar_sum = SUM.model_copy(update={"polarity": Polarity.HIGH})
    assert level(polar_sum, 4) is None
    assert tally([both(polar_sum, 2, 4)])[Dimension.RESPONSIBILITIES].seen_apart == 0.0


def test_pulse_answers_make_a_trend_line_from_two_answers_on() -> None:
    pulse = scale("bd-pulse", role="pulse", polarity="high")
    turned = scale("tr-pulse", dimension="trust", role="pulse", polarity="low")
    taste = scale("co-pulse", dimension="communication", role="pulse", polarity="none")
    answered = [
        both(pulse, 4, 3, days=100),
        both(pulse, 2, 3, days=10),
        both(turned, 1, 2, days=10),
        both(turned, 2, 2, days=100),
        both(taste, 1, 5, days=10),
        both(taste, 2, 5, days=100),
        both(scale("lonely-pulse", dimension="growth", role="pulse", polarity="high"), 3, 3, 9),
        both(HIGH, 5, 5, days=50),  # not a pulse question
        both(pulse, 5, 5),  # no instant known: no point
    ]
    found = trends(answered)
    assert set(found) == {Dimension.BOUNDARIES, Dimension.TRUST}
    assert found[Dimension.BOUNDARIES] == (
        TrendPoint(T0 + timedelta(days=10), 2, 3),
        TrendPoint(T0 + timedelta(days=100), 4, 3),
    )
    assert [(p.mine, p.theirs) for p in found[Dimension.TRUST]] == [(5, 4), (4, 4)]


def test_followups_and_other_kinds_count_nowhere() -> None:
    followup = scale(FOLLOWUP_PREFIX + "went", polarity="high")
    choice = Question.model_validate(
        {
            "id": "pick-one",
            "dimension": "boundaries",
            "depth": "light",
            "kind": "choice",
            "text": "Which of these is it?",
            "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        }
    )
    assert tally([both(followup, 1, 5), Both(choice, "a", "b")]) == {}


def test_every_shipped_scale_question_says_which_way_it_runs() -> None:
    """The bank's scale questions each have a polarity, and the giving <-> receiving ones
    (measured by their sum) are none: they count as agreement, not as a level."""
    scales = [q for q in shipped_content().questions.values() if q.kind == "scale"]
    assert scales
    assert [q.id for q in scales if q.polarity is None] == []
    mirrored = [q for q in scales if q.mismatch is not None and q.mismatch.measure == "sum"]
    assert mirrored and all(q.polarity is Polarity.NONE for q in mirrored)
