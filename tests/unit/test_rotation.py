"""Which exercises follow a reveal (``bot.domain.exercises.rotation``) and the rules behind the
triggers (``Question.shared_concern``, ``Question.imbalance``), run directly: no storage, no
Telegram. The year-long simulation uses the same code the bot runs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain import gates
from bot.domain.exercises import rotation
from bot.domain.exercises.findings import Findings
from content.loader import ContentBank, load_content
from content.schema import CONTENT_DIR, Exercise, Question, Trigger

NOW = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
SHIPPED = load_content()


def scale(qid: str = "q", dimension: str = "support", **fields: Any) -> Question:
    """A scale question of our own (``fields`` override the defaults)."""
    raw: dict[str, Any] = {
        "id": qid,
        "dimension": dimension,
        "depth": "light",
        "kind": "scale",
        "text": "How did this week feel for you?",
        "scale": {"low": "Not at all", "high": "Very much"},
    }
    return Question.model_validate({**raw, **fields})


def exercise(eid: str, triggers: Sequence[str], *dims: str, pack: str | None = None) -> Exercise:
    """A small exercise of our own covering ``dims`` (default: support)."""
    return Exercise.model_validate(
        {
            "id": eid,
            "kind": "negotiation",
            "dimensions": list(dims or ("support",)),
            "triggers": list(triggers),
            "title": f"Exercise {eid}",
            "why": "Because it helps the two of you talk it through.",
            "minutes": 10,
            "steps": ["Do one thing.", "Do another.", "Talk about it."],
            "pack": pack,
        }
    )


def bank_of(questions: Sequence[Question], exercises: Sequence[Exercise]) -> ContentBank:
    return ContentBank(
        questions={q.id: q for q in questions}, exercises={e.id: e for e in exercises}
    )


def mismatch_of(q: Question) -> Findings:
    return Findings(answered=[q], mismatched=[q])


# ------------------------------------------------------------------------------ the rules


def test_a_shared_concern_is_both_at_the_concern_end_low_or_high() -> None:
    low = scale(low_is_concern=True)
    high = scale(high_is_concern=True)
    plain = scale()
    assert low.shared_concern("1", "2") and low.shared_concern("2", "2")
    assert not low.shared_concern("2", "3") and not low.shared_concern("5", "4")
    assert high.shared_concern("4", "5") and high.shared_concern("5", "5")
    assert not high.shared_concern("3", "4") and not high.shared_concern("1", "2")
    assert not plain.shared_concern("1", "1") and not plain.shared_concern("5", "5")
    assert not high.shared_concern("5", "x")


def test_an_imbalance_both_see_is_mirrored_answers_far_from_the_middle() -> None:
    q = scale(
        axis="giving_receiving",
        mismatch={"exercises": ["a", "b"], "measure": "sum"},
    )
    seen = {(a, b) for a in range(1, 6) for b in range(1, 6) if q.imbalance(str(a), str(b))}
    assert seen == {(1, 5), (5, 1), (1, 4), (4, 1), (2, 5), (5, 2)}
    for a, b in seen:  # the same reality from both sides: never also a mismatch
        assert q.gap(str(a), str(b)).value != "mismatch"
    assert not q.imbalance("2", "4")  # a slight lean one way
    assert not q.imbalance("1", "1")  # both "mostly me": a mismatch, not an imbalance
    plain = scale(mismatch={"exercises": ["a", "b"]})
    assert not plain.imbalance("1", "5")


# --------------------------------------------------------------------------- the rotation


def test_the_first_offer_is_the_questions_own_and_the_next_rotates() -> None:
    exercises = [exercise(e, ["mismatch"]) for e in ("e1", "e2", "e3", "e4", "e5", "e6")]
    q = scale(mismatch={"exercises": ["e4", "e5"]})
    bank = bank_of([q], exercises)
    first = rotation.choose(bank, mismatch_of(q), [], {}, NOW)
    assert first is not None and first.trigger is Trigger.MISMATCH
    # Equally fresh (never offered): the question's own first, then a third never offered.
    assert first.options == ("e4", "e5", "e1")
    offered = {e: (1, NOW) for e in first.options}
    later = NOW + timedelta(days=20)
    second = rotation.choose(bank, mismatch_of(q), [], offered, later)
    assert second is not None
    assert set(second.options).isdisjoint(first.options)
    assert second.options == ("e2", "e3", "e6")


def test_least_recently_offered_first_and_a_third_only_after_a_rest() -> None:
    exercises = [exercise(e, ["mismatch"]) for e in ("e1", "e2", "e3", "e4")]
    q = scale(mismatch={"exercises": ["e1", "e2"]})
    bank = bank_of([q], exercises)
    offered = {
        "e1": (1, NOW - timedelta(days=10)),
        "e2": (1, NOW - timedelta(days=40)),
        "e3": (1, NOW - timedelta(days=30)),
        "e4": (1, NOW - rotation.REST + timedelta(days=1)),
    }
    choice = rotation.choose(bank, mismatch_of(q), [], offered, NOW)
    assert choice is not None and choice.options == ("e4", "e2")  # e3 has not rested
    offered.update(
        e2=(1, NOW - rotation.REST - timedelta(days=10)),
        e3=(1, NOW - rotation.REST - timedelta(days=5)),
        e4=(1, NOW - rotation.REST),
    )
    choice = rotation.choose(bank, mismatch_of(q), [], offered, NOW)
    assert choice is not None and choice.options == ("e2", "e3", "e4")


def test_an_exercise_at_the_cap_goes_behind_every_other() -> None:
    exercises = [exercise(e, ["mismatch"]) for e in ("e1", "e2", "e3")]
    q = scale(mismatch={"exercises": ["e1", "e2"]})
    bank = bank_of([q], exercises)
    long_ago = NOW - timedelta(days=200)
    offered = {
        "e1": (rotation.CAP, long_ago),
        "e2": (1, NOW - timedelta(days=2)),
        "e3": (1, NOW - timedelta(days=1)),
    }
    choice = rotation.choose(bank, mismatch_of(q), [], offered, NOW)
    assert choice is not None and choice.options == ("e2", "e3")


def test_pack_exercises_only_after_their_own_packs_questions() -> None:
    plain = exercise("plain", ["mismatch"])
    packed = exercise("packed", ["mismatch"], pack="moving-in")
    other = exercise("other", ["mismatch"])
    q = scale(mismatch={"exercises": ["plain", "other"]})
    own = scale("own", pack="moving-in", mismatch={"exercises": ["plain", "packed"]})
    bank = bank_of([q, own], [plain, packed, other])
    assert [e.id for e in rotation.pool(bank, q, Trigger.MISMATCH)] == ["plain", "other"]
    assert "packed" in {e.id for e in rotation.pool(bank, own, Trigger.MISMATCH)}


def test_triggers_in_order_and_each_draws_its_own_pool() -> None:
    mismatch = [exercise(e, ["mismatch"]) for e in ("m1", "m2")]
    deeper = [exercise(e, ["repeated"]) for e in ("r1", "r2")]
    joint = [exercise(e, ["both_low"]) for e in ("j1", "j2")]
    rebalance = [exercise("b1", ["imbalance"])]
    gap_q = scale("gap", mismatch={"exercises": ["m1", "m2"]})
    high = scale("high", high_is_concern=True, mismatch={"exercises": ["m1", "m2"]})
    mirrored = scale(
        "sum",
        axis="giving_receiving",
        mismatch={"exercises": ["m1", "m2"], "measure": "sum"},
    )
    bank = bank_of([gap_q, high, mirrored], [*mismatch, *deeper, *joint, *rebalance])

    both = Findings(mismatched=[gap_q], shared_concern=[high], imbalanced=[mirrored])
    choice = rotation.choose(bank, both, [], {}, NOW)
    assert choice is not None and choice.trigger is Trigger.MISMATCH
    again = rotation.choose(bank, both, [Findings(), mismatch_of(gap_q)], {}, NOW)
    assert again is not None and again.trigger is Trigger.REPEATED
    assert again.options == ("r1", "r2")
    too_old = [Findings(), Findings(), Findings(), mismatch_of(gap_q)]
    older = rotation.choose(bank, mismatch_of(gap_q), too_old, {}, NOW)
    assert older is not None and older.trigger is Trigger.MISMATCH

    seen = rotation.choose(
        bank, Findings(imbalanced=[mirrored], shared_concern=[high]), [], {}, NOW
    )
    assert seen is not None and seen.trigger is Trigger.IMBALANCE
    # One rebalancing exercise in the bank: topped up from the question's mismatch pool.
    assert seen.options == ("b1", "m1")

    concern = rotation.choose(bank, Findings(shared_concern=[high]), [], {}, NOW)
    assert concern is not None and concern.trigger is Trigger.SHARED_CONCERN
    assert concern.options == ("j1", "j2")
    assert Trigger["BOTH_LOW"] is Trigger("both_low") is Trigger.SHARED_CONCERN


def test_not_after_keeps_an_exercise_from_a_question_in_every_trigger() -> None:
    banned = exercise("banned", ["both_low", "mismatch"]).model_copy(update={"not_after": ("q",)})
    ok = [exercise(e, ["both_low", "mismatch"]) for e in ("ok1", "ok2")]
    q = scale(low_is_concern=True, mismatch={"exercises": ["ok1", "ok2"]})
    bank = bank_of([q], [banned, *ok])
    for found in (mismatch_of(q), Findings(shared_concern=[q])):
        choice = rotation.choose(bank, found, [], {}, NOW)
        assert choice is not None and "banned" not in choice.options


# ------------------------------------------------------------------------ the shipped bank


def test_every_shipped_exercise_is_reachable_by_the_offer_rule() -> None:
    assert set(SHIPPED.exercises) - gates._reachable(SHIPPED) == set()


def test_every_giving_receiving_question_can_lead_to_a_rebalancing_exercise() -> None:
    mirrored = [q for q in SHIPPED.questions.values() if q.mismatch and q.mismatch.measure == "sum"]
    assert mirrored
    for q in mirrored:
        assert Trigger.IMBALANCE in gates.triggers_of(q), q.id
        assert rotation.pool(SHIPPED, q, Trigger.IMBALANCE), q.id


@pytest.mark.parametrize("seed", range(1, gates.OFFER_SEEDS + 1))
def test_a_daily_pair_is_offered_no_exercise_more_than_five_times_a_year(seed: int) -> None:
    """A year of daily rounds (questions by the journey rule, a mismatch in about one round in
    three): the offers, their options and the most any exercise came up."""
    sim = gates.simulate_offers(SHIPPED, days=365, seed=seed)
    offers = sum(sim.offers.values())
    assert 90 <= offers <= 160  # about one round in three leads to an offer
    assert sim.offers.get(Trigger.MISMATCH, 0) > sim.offers.get(Trigger.REPEATED, 0)
    options = sum(sim.counts.values())
    assert 2 * offers <= options < 3 * offers  # two always, a third now and then
    assert sim.most <= gates.OFFER_MOST == 5
    assert len(sim.counts) >= 60  # the rotation goes round the bank


def test_the_offer_gate_passes_for_the_shipped_bank() -> None:
    assert gates.offer_problems(SHIPPED) == []


def test_sources_credit_only_exercises_that_exist() -> None:
    """``content/SOURCES.md`` names exercise ids; a renamed or removed one would leave a
    credit for nothing."""
    text = (CONTENT_DIR / "SOURCES.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    named = {i for row in rows for i in re.findall(r"`([a-z0-9-]+)`", row.split("|")[3])}
    assert {"soft-start", "repair-attempts", "mirror-listen", "fr-glad-for-you"} <= named
    assert named <= set(SHIPPED.exercises)
