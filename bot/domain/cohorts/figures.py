"""The answer-derived figures of a frozen week, with calibrated noise (DESIGN.md, privacy
rule 2: "with calibrated noise so that couples a facilitator controls cannot isolate a real
one either").

Each couple contributes one bounded value to a figure:

* a topic: 1 if the couple had a difference in that topic that week, else 0 (however many
  questions of the topic it answered);
* a check question: the sum of both partners' answers, each clamped to the scale 1-5
  (2-10; stored centred as ``sum - 6``, in -4..4). Stored as answered; a question of ``low``
  polarity is shown turned round (6 - v, :meth:`Figure.mean`), so every check average runs
  the same way: 5 is the end with more of what the question's topic names.

What is released is an integer count (and, for a check question, an integer sum) plus noise
from the two-sided geometric ("discrete Laplace") mechanism, drawn **once, when the week is
frozen**, and stored in the snapshot. Every view reads the same stored noisy numbers, so
looking again and averaging cannot remove the noise.

Proof sketch (Ghosh, Roughgarden, Sundararajan 2009; Dwork and Roth 2014, ch. 3). Let
``f(D)`` be an integer whose value changes by at most ``s`` when one couple is added or
removed (the sensitivity: 1 for a count of couples, 4 for the centred check sum). Release
``f(D) + Z`` with ``P(Z = z) = (1 - a) / (1 + a) * a^|z|`` and ``a = exp(-eps / s)``. For
neighbouring ``D, D'`` and every integer ``y``::

    P(f(D) + Z = y) / P(f(D') + Z = y) = a^(|y - f(D)| - |y - f(D')|) <= a^(-s) = e^eps

by the triangle inequality, so the release is eps-differentially private. Rounding, clamping
and dividing what was released (``shown_*`` below) are post-processing and keep the bound;
a check figure releases a sum (``eps * CHECK_SUM_SHARE``) and a count (the rest), which
compose to ``eps``. Z is sampled as the difference of two independent geometric variables on
{0, 1, ...} with ``P(G = g) = (1 - a) a^g``, whose difference has exactly that law; each G by
inversion of a uniform draw (a 53-bit float: probabilities are exact up to about 2^-53, and
since the output is an integer there is no floating-point leak of the kind Mironov (2012)
showed for continuous Laplace noise).

Budget: every figure gets ``EPSILON_PER_FIGURE``; a couple's answers can reach at most
``figure_slots(program)`` figures over a whole program, so by basic composition everything
the facilitators of one cohort ever see about one couple is ``cohort_budget``-differentially
private (25 for the shipped six-week program, 18 and 17 for the four-week ones).

Not covered by noise: whether a figure is shown at all. So that gate reads participation
only, never an answer: K couples (besides the staff's own) that were enrolled before the week
began and answered a check-in carrying the figure's topic or check question, a pass included
(a pass adds no difference, and nothing to a check sum). Participation is what facilitators
see anyway. An earlier gate also withheld a figure whose contributors all gave the same value;
being exact, it told a facilitator with K - 1 couples of their own, all answering alike,
whether the one real couple answered alike too (probe of 2026-12-03). It is gone: "all alike"
shows as a noisy figure like any other, which the noise covers.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from random import Random

from content.loader import ContentBank
from content.programs import Program
from content.schema import Polarity

#: The privacy loss (epsilon) of one figure.
EPSILON_PER_FIGURE = 1.0
#: The share of a check figure's epsilon spent on the sum; the rest goes to the count.
CHECK_SUM_SHARE = 0.75
#: The answer scale the check questions use; values outside it are clamped.
SCALE_LOW, SCALE_HIGH = 1, 5
_MIDDLE = SCALE_LOW + SCALE_HIGH  # a couple's centre: both partners at the scale's middle
#: How far one couple can move the centred check sum (both partners from middle to an end).
CHECK_SENSITIVITY = SCALE_HIGH - SCALE_LOW


def geometric_noise(rng: Random, epsilon: float, sensitivity: int) -> int:
    """One draw of two-sided geometric noise for a figure of ``sensitivity`` at ``epsilon``
    (see the module docstring for the law and the proof). Raises ValueError unless both are
    positive."""
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be positive")
    log_a = -epsilon / sensitivity  # ln a, with a = exp(-eps / s) in (0, 1)

    def one_sided() -> int:
        # Inversion: G = floor(ln U / ln a) for U uniform on (0, 1] has P(G >= g) = a^g.
        return math.floor(math.log(1.0 - rng.random()) / log_a)

    return one_sided() - one_sided()


@dataclass(frozen=True)
class Figure:
    """One answer-derived figure of a frozen week, as stored and as released.

    ``pairs``: the couples it pools (enrolled before the week began, answered a check-in that
    carried it, pass or not); it may be shown only to a viewer for whom at least K of them are
    not their own. ``alike``: only in snapshots frozen under the withdrawn "all alike" rule
    (see the module docstring), which stay withheld since a frozen week never changes; new
    figures are never marked. ``count``: the noisy number of couples with a difference (a
    topic) or of couples who answered it (a check question); ``total``: a check question's
    noisy centred sum. Nothing exact is kept."""

    pairs: frozenset[int]
    count: int
    total: int = 0
    alike: bool = False

    def shown_to(self, own: frozenset[int], k: int) -> bool:
        """Whether a viewer whose own pairs are ``own`` may see it: K others at least
        (DESIGN.md, privacy rule 2), and not marked by the withdrawn rule."""
        return not self.alike and len(self.pairs - own) >= k

    def differences(self) -> int:
        """A topic figure as shown: about how many couples had a difference (at least 0)."""
        return max(0, self.count)

    def mean(self, k: int, polarity: Polarity | None = Polarity.HIGH) -> float:
        """A check figure as shown: the average answer, one decimal, within the scale. The
        noisy count is taken as at least ``k`` (a shown figure pools K couples at least), which
        keeps a small noisy count from blowing the noise up; both are post-processing.

        ``polarity``: the question's. A ``low`` question (1 shows more of its topic) is turned
        round, ``6 - v``, so that before and after compare like with like across questions:
        a higher figure always means more of the topic (the loader admits only ``high`` and
        ``low`` check questions, :func:`content.programs.check_problem`)."""
        couples = max(self.count, k, 1)
        value = _MIDDLE / 2 + self.total / (2 * couples)
        shown = min(max(value, SCALE_LOW), SCALE_HIGH)
        if polarity is Polarity.LOW:
            shown = _MIDDLE - shown
        return round(shown, 1)


def topic_figure(
    had_difference: Mapping[int, bool], rng: Random, epsilon: float = EPSILON_PER_FIGURE
) -> Figure:
    """A topic's figure from each couple that answered a check-in carrying the topic (pair id
    -> whether it had a difference there; a couple that passed every such question had none):
    the number of couples with one, plus geometric noise of sensitivity 1."""
    noisy = sum(1 for v in had_difference.values() if v) + geometric_noise(rng, epsilon, 1)
    return Figure(frozenset(had_difference), noisy)


def check_figure(
    answers: Mapping[int, tuple[int, int]],
    rng: Random,
    epsilon: float = EPSILON_PER_FIGURE,
    *,
    pooled: Collection[int] = (),
) -> Figure:
    """A check question's figure from each couple's two answers (pair id -> both partners'
    values; a couple where either passed is not in it): a noisy centred sum (sensitivity
    ``CHECK_SENSITIVITY``) and a noisy count of those couples (sensitivity 1), splitting
    ``epsilon`` by ``CHECK_SUM_SHARE``. ``pooled``: every couple that answered a check-in
    carrying the question, pass or not (the K gate reads these: participation, not answers);
    the answering couples are always among them."""
    values = {p: sum(_clamp(v) for v in both) - _MIDDLE for p, both in answers.items()}
    total = sum(values.values()) + geometric_noise(
        rng, epsilon * CHECK_SUM_SHARE, CHECK_SENSITIVITY
    )
    count = len(values) + geometric_noise(rng, epsilon * (1 - CHECK_SUM_SHARE), 1)
    return Figure(frozenset(values) | frozenset(pooled), count, total)


def _clamp(value: int) -> int:
    return min(max(value, SCALE_LOW), SCALE_HIGH)


def figure_slots(content: ContentBank, program: Program) -> int:
    """How many figures a program can produce: per week, one per topic of its questions that
    have a difference rule (the check questions included in the weeks that ask them), plus one
    per check question in each week that asks the check. Depends on the program only, never
    on answers."""
    bank = content.questions
    slots = 0
    for index in range(program.weeks):
        ids = list(program.week(index).questions)
        if program.has_check(index):
            ids += list(program.check)
            slots += len(program.check)
        topics = {bank[q].dimension for q in ids if q in bank and bank[q].mismatch is not None}
        slots += len(topics)
    return slots


def cohort_budget(content: ContentBank, program: Program) -> float:
    """The privacy budget of a cohort on ``program``: the epsilon of everything its
    facilitators can ever see about one couple (basic composition over ``figure_slots``)."""
    return EPSILON_PER_FIGURE * figure_slots(content, program)
