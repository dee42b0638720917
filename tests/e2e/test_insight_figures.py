"""End-to-end: /insights compares like with like (issue 11). Through the real Application:
a question asked the other way round is turned round before it is averaged, a question of taste
shows only as a gap, a giving <-> receiving question as agreement about who gives what, a pulse
question as a trend line; a pass and an expired round count for nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot import texts
from bot.domain.deps import ChartLabels, DimensionStat
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from bot.telegram import charts
from content.schema import Dimension, Question, Role
from tests.conftest import open_round
from tests.e2e.helpers import checkin, next_day, unscheduled_pair
from tests.unit.test_charts import decode

pytestmark = pytest.mark.usefixtures("no_crash")

#: Individuality: two questions where 5 is more of it, one where 5 is less of it ("It pulls me
#: right down too"), one of taste; two more where a pass or an expiry must leave no trace.
HIGH, LOW, TASTE = "in-self-kindness", "mood-pull", "own-things"
PASSED, EXPIRED = "in-own-compass", "in-self-credit"
#: Shared responsibilities, giving <-> receiving: 1 "Mostly me keeping track".
MIRRORED = "keep-track"
TARGETS = (HIGH, LOW, TASTE, PASSED, EXPIRED, MIRRORED)


class QueuePicker:
    """Picks the next wanted question id when it is a candidate; otherwise a filler: the first
    scale question of taste outside the dimensions the test looks at (answered 3 and 3, so it
    adds a gap of 0 elsewhere and no exercise)."""

    def __init__(self) -> None:
        self.wanted: list[str] = []
        self.asked: list[Question] = []

    def __call__(self, candidates: Sequence[Question], weights: Sequence[float] = ()) -> Question:
        by_id = {q.id: q for q in candidates}
        if self.wanted and self.wanted[0] in by_id:
            chosen = by_id[self.wanted.pop(0)]
        else:
            chosen = next(
                (
                    q
                    for q in candidates
                    if q.kind == "scale"
                    and q.polarity is not None
                    and q.polarity.value == "none"
                    and q.mismatch is not None
                    and q.mismatch.measure == "gap"
                    and q.id not in TARGETS
                    and q.dimension not in (Dimension.INDIVIDUALITY, Dimension.RESPONSIBILITIES)
                ),
                candidates[0],
            )
        self.asked.append(chosen)
        return chosen


@pytest.fixture
def picker() -> QueuePicker:
    return QueuePicker()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[list[DimensionStat]]:
    """What the chart was asked to draw, each time (it is still drawn)."""
    calls: list[list[DimensionStat]] = []
    real = charts.render_chart

    def recording(stats: Sequence[DimensionStat], labels: ChartLabels) -> bytes:
        calls.append(list(stats))
        return real(stats, labels)

    monkeypatch.setattr(charts, "render_chart", recording)
    return calls


def row(stats: list[DimensionStat], dimension: Dimension) -> DimensionStat:
    (found,) = [s for s in stats if s.label == dimension.label]
    return found


async def insights_of(user: FakeUser) -> tuple[bytes, str]:
    before = len(user.chat.messages)
    await user.send("/insights")
    photo, summary = user.chat.messages[before:]
    assert photo.photo is not None and photo.text == texts.INSIGHTS_CAPTION
    assert decode(photo.photo).size == charts.CHART_SIZE_PX
    return photo.photo, summary.text


async def ask(box: Sandbox, alex: FakeUser, sam: FakeUser, picker: QueuePicker, qid: str) -> None:
    picker.wanted = [qid]
    await open_round(box, alex, sam)
    assert picker.asked[-1].id == qid, picker.asked[-1].id


async def test_insights_turn_round_low_questions_and_keep_taste_and_agreement_apart(
    box: Sandbox, picker: QueuePicker, drawn: list[list[DimensionStat]]
) -> None:
    alex, sam = await unscheduled_pair(box)
    # Ten check-ins first: until then each topic's first-level questions come first.
    for n in range(10):
        await checkin(box, alex, sam, "3", "3")
        if n % 3 == 2:
            await next_day(box)
    await next_day(box)

    await ask(box, alex, sam, picker, EXPIRED)
    await sam.press("1")  # Alex never answers: the round expires and stays private
    await box.advance(timedelta(hours=24, minutes=1))
    await ask(box, alex, sam, picker, PASSED)
    await alex.press(texts.BTN_SKIP)
    await sam.press("1")  # a pass: neither answer counts
    for qid, a, b in ((HIGH, "4", "3"), (LOW, "2", "3")):
        await ask(box, alex, sam, picker, qid)
        await alex.press(a)
        await sam.press(b)
    await next_day(box)
    for qid, a, b in ((MIRRORED, "1", "5"), (TASTE, "1", "5")):
        await ask(box, alex, sam, picker, qid)
        await alex.press(a)
        await sam.press(b)

    _png, summary = await insights_of(alex)
    stats = drawn[-1]
    assert [s.label for s in stats] == [d.label for d in Dimension]
    mine = row(stats, Dimension.INDIVIDUALITY)
    # "2: I stay fairly steady" turned round is a 4, beside the other question's 4; the taste
    # question's 1 and 5 stay out of the bars; the pass and the expired round count nowhere.
    assert (mine.mine, mine.theirs) == (4.0, 3.0)
    assert mine.preferences == 4.0 and mine.seen_apart is None
    shared = row(stats, Dimension.RESPONSIBILITIES)
    # 1 "Mostly me keeping track" and 5 "Mostly counting on it being done": the same reality.
    assert (shared.mine, shared.theirs, shared.preferences) == (None, None, None)
    assert shared.seen_apart == 0.0
    assert all(not s.trend for s in stats)

    paragraphs = summary.split("\n\n")
    label = Dimension.INDIVIDUALITY.label
    assert texts.INSIGHTS_TASTE_APART.format(dims=label) in paragraphs
    assert texts.INSIGHTS_SEEN_ALIKE.format(dims=Dimension.RESPONSIBILITIES.label) in paragraphs
    assert texts.INSIGHTS_MISMATCHES.format(n=1) in paragraphs  # the taste question only
    assert summary.startswith(texts.count("INSIGHTS_SUMMARY_N", 15))  # not the expired one
    assert all("Sam" not in p and "Alex" not in p for p in paragraphs)

    # Sam's view is the mirror image, from the same answers.
    await insights_of(sam)
    theirs = row(drawn[-1], Dimension.INDIVIDUALITY)
    assert (theirs.mine, theirs.theirs, theirs.preferences) == (3.0, 4.0, 4.0)


async def test_a_pulse_question_answered_twice_draws_a_trend_line(
    box: Sandbox, picker: QueuePicker, drawn: list[list[DimensionStat]]
) -> None:
    alex, sam = await unscheduled_pair(box)
    await box.advance(timedelta(days=15))  # pulse questions start in a pair's third week
    pulses: list[Question] = []
    while True:
        await open_round(box, alex, sam)
        asked = picker.asked[-1]
        await alex.press("4")
        await sam.press("4")
        if asked.role is not Role.PULSE:
            break
        pulses.append(asked)
        await box.advance(timedelta(days=6))  # at most one pulse question in six days
    assert len(pulses) >= 2
    first = pulses[0]
    await box.advance(timedelta(days=91) - timedelta(days=6 * len(pulses)))
    await open_round(box, alex, sam)
    assert picker.asked[-1].id == first.id  # about a quarter later, the same question again
    await alex.press("5")
    await sam.press("4")

    _png, summary = await insights_of(alex)
    stats = drawn[-1]
    line = row(stats, first.dimension).trend
    assert [(p.mine, p.theirs) for p in line] == [(4, 4), (5, 4)]
    assert line[0].at < line[1].at
    assert [s.label for s in stats if s.trend] == [first.dimension.label]
    trend = texts.INSIGHTS_TREND.format(
        dim=first.dimension.label, mine="4 \u2192 5", partner="Sam", theirs="4 \u2192 4"
    )
    assert texts.INSIGHTS_TREND_INTRO + "\n" + trend in summary.split("\n\n")

    await insights_of(sam)
    assert [(p.mine, p.theirs) for p in row(drawn[-1], first.dimension).trend] == [
        (4, 4),
        (4, 5),
    ]
