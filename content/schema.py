"""Schema for Tandem's content: questions and exercises, validated by pydantic.

The data files live beside this module (``questions.yaml``, ``exercises.yaml``); the models
here say what one entry may hold. Reading the files and checking entries against each other is
:mod:`content.loader`'s job (:func:`content.loader.load_content`); an invalid entry raises
:class:`ContentError` naming the file and the entry, so the bot refuses to start rather than ask
a broken question. This module imports nothing else of ours (programs build on it in
:mod:`content.programs`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

CONTENT_DIR = Path(__file__).resolve().parent
"""The folder holding the shipped content files (the default for ``load_content``)."""

#: PyYAML's safe loader in C (libyaml) where it is installed, about ten times faster on the
#: bank's files than the pure-Python one it falls back to; both read the same YAML.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> object:
    """Parse one YAML document with the safe loader. Raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_SAFE_LOADER)


#: Option ids and entry ids travel in callback data (64 bytes at most), so they stay short.
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
ShortSlug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,11}$")]


class Dimension(StrEnum):
    """The twelve dimensions of interdependence from DESIGN.md that questions measure."""

    BOUNDARIES = "boundaries"
    COMMUNICATION = "communication"
    TOGETHER_APART = "together_apart"
    INDIVIDUALITY = "individuality"
    FRIENDSHIPS = "friendships"
    SUPPORT = "support"
    RESPONSIBILITIES = "responsibilities"
    GROWTH = "growth"
    APPRECIATION = "appreciation"
    CONFLICT = "conflict"
    VULNERABILITY = "vulnerability"
    TRUST = "trust"

    @property
    def label(self) -> str:
        """Human-readable English name shown to partners (a message catalog msgid)."""
        return _DIMENSION_LABELS[self]

    @property
    def topic(self) -> str:
        """The dimension as a sentence names it, mid-sentence ("On time together and apart,
        your answers pulled apart."): lower case where English writes it so; a message
        catalog msgid of its own, so each language can phrase it for its sentences (issue
        12). :attr:`label` is for headers, buttons and lists."""
        return _DIMENSION_TOPICS[self]

    @property
    def weekly_slot(self) -> WeeklySlot:
        """Which part of a weekly round a deep question of this dimension fills."""
        return _WEEKLY_SLOTS[self]


_DIMENSION_LABELS = {
    Dimension.BOUNDARIES: "Boundaries",
    Dimension.COMMUNICATION: "Open communication",
    Dimension.TOGETHER_APART: "Time together and apart",
    Dimension.INDIVIDUALITY: "Individuality",
    Dimension.FRIENDSHIPS: "Friendships",
    Dimension.SUPPORT: "Mutual support",
    Dimension.RESPONSIBILITIES: "Shared responsibilities",
    Dimension.GROWTH: "Personal growth",
    Dimension.APPRECIATION: "Appreciation",
    Dimension.CONFLICT: "Handling conflict",
    Dimension.VULNERABILITY: "Emotional safety",
    Dimension.TRUST: "Trust",
}


_DIMENSION_TOPICS = {
    Dimension.BOUNDARIES: "boundaries",
    Dimension.COMMUNICATION: "open communication",
    Dimension.TOGETHER_APART: "time together and apart",
    Dimension.INDIVIDUALITY: "individuality",
    Dimension.FRIENDSHIPS: "friendships",
    Dimension.SUPPORT: "mutual support",
    Dimension.RESPONSIBILITIES: "shared responsibilities",
    Dimension.GROWTH: "personal growth",
    Dimension.APPRECIATION: "appreciation",
    Dimension.CONFLICT: "handling conflict",
    Dimension.VULNERABILITY: "emotional safety",
    Dimension.TRUST: "trust",
}


class ExerciseKind(StrEnum):
    """What an exercise does for a pair."""

    NEGOTIATION = "negotiation"
    BOUNDARY = "boundary"
    APPRECIATION = "appreciation"
    LISTENING = "listening"
    REPAIR = "repair"
    GROWTH = "growth"
    FRIENDSHIP = "friendship"
    VULNERABILITY = "vulnerability"


class BoundaryArea(StrEnum):
    """Which kind of boundary a boundary exercise works on (DESIGN.md's four)."""

    EMOTIONAL = "emotional"
    MENTAL = "mental"
    PHYSICAL = "physical"
    TIME_ENERGY = "time_energy"


class Trigger(StrEnum):
    """When the bot suggests an exercise.

    * ``mismatch``: a question's answers pulled apart (by the question's rule).
    * ``repeated``: the same dimension mismatched in 2 of the pair's last 4 rounds: a deeper one.
    * ``both_low`` (in code ``SHARED_CONCERN``): both partners answered at the end of a scale
      question that signals a concern (1–2 with ``low_is_concern``, 4–5 with
      ``high_is_concern``): something to do jointly. The stored value keeps its first name, so
      offers and content written before high-end concerns existed still read.
    * ``imbalance``: both partners see one of them carrying more on a giving ↔ receiving
      question (see :meth:`Question.imbalance`): a rebalancing exercise.
    """

    MISMATCH = "mismatch"
    REPEATED = "repeated"
    SHARED_CONCERN = "both_low"
    #: The same member under its first name (content files and older code say ``both_low``).
    BOTH_LOW = "both_low"
    IMBALANCE = "imbalance"


class Depth(StrEnum):
    """``light``: a one-minute daily question. ``deep``: one of a weekly round's three."""

    LIGHT = "light"
    DEEP = "deep"


class WeeklySlot(StrEnum):
    """The three parts of a weekly round; each deep question fills one, by its dimension."""

    NEEDS = "needs"
    BOUNDARIES = "boundaries"
    HEALTH = "health"


_WEEKLY_SLOTS = {
    Dimension.BOUNDARIES: WeeklySlot.BOUNDARIES,
    Dimension.TOGETHER_APART: WeeklySlot.NEEDS,
    Dimension.INDIVIDUALITY: WeeklySlot.NEEDS,
    Dimension.FRIENDSHIPS: WeeklySlot.NEEDS,
    Dimension.SUPPORT: WeeklySlot.NEEDS,
    Dimension.GROWTH: WeeklySlot.NEEDS,
    Dimension.VULNERABILITY: WeeklySlot.NEEDS,
    Dimension.COMMUNICATION: WeeklySlot.HEALTH,
    Dimension.RESPONSIBILITIES: WeeklySlot.HEALTH,
    Dimension.APPRECIATION: WeeklySlot.HEALTH,
    Dimension.CONFLICT: WeeklySlot.HEALTH,
    Dimension.TRUST: WeeklySlot.HEALTH,
}


class Axis(StrEnum):
    """The two axes of interdependence a scale question can place a partner on.

    ``together_apart``: 1 is the together end, 5 the apart end. ``giving_receiving``: 1 is the
    giving end, 5 the receiving end. The middle is where interdependence lives; texts describe a
    position, they never diagnose it.
    """

    TOGETHER_APART = "together_apart"
    GIVING_RECEIVING = "giving_receiving"


class Gap(StrEnum):
    """How far two answers to one question are apart (see :meth:`Question.gap`)."""

    NONE = "none"
    SMALL = "small"
    MISMATCH = "mismatch"


class Role(StrEnum):
    """Where a question is asked.

    * ``bank``: the rotation: daily rounds draw ``light`` ones, weekly rounds ``deep`` ones.
    * ``pulse``: asked again on purpose, about once a quarter, so a pair sees a trend line
      (one per dimension, a scale question with a ``polarity``).
    * ``revisit``: asked two to four weeks after a mismatch in its dimension; its text refers
      back to that mismatch ("A couple of weeks ago your answers on … pulled apart").
    * ``occasion``: asked around an ``occasion`` (see :class:`Occasion`).
    """

    BANK = "bank"
    PULSE = "pulse"
    REVISIT = "revisit"
    OCCASION = "occasion"


class Occasion(StrEnum):
    """The moments an ``occasion`` question belongs to."""

    ANNIVERSARY = "anniversary"
    NEW_YEAR = "new_year"
    BEFORE_TRIP = "before_trip"
    AFTER_TRIP = "after_trip"


class Tone(StrEnum):
    """The register of a question: ``everyday`` reflection, or one of the lighter kinds
    (``playful``, a ``memory``, a ``dream``, a ``date`` idea) that keep a year from feeling
    like homework."""

    EVERYDAY = "everyday"
    PLAYFUL = "playful"
    MEMORY = "memory"
    DREAM = "dream"
    DATE = "date"


class Polarity(StrEnum):
    """Which way a scale question's numbers run, so ``/insights`` compares like with like.

    ``high``: a higher answer shows more of what the dimension names (feeling appreciated,
    ease in saying no, trust in how things are shared). ``low``: the reverse (1 shows more of
    it). ``none``: the ends are preferences, neither more of the dimension (how much time alone
    one wants): such questions show gaps between the partners only, never in an average.
    """

    HIGH = "high"
    LOW = "low"
    NONE = "none"


class Purpose(StrEnum):
    """What an exercise is for in its (first) dimension: each dimension has two for
    ``mismatch``, one ``skill`` practice, one for ``repeated`` mismatches, one for ``both_low``
    and one ``ritual`` (or playful) one."""

    MISMATCH = "mismatch"
    SKILL = "skill"
    REPEATED = "repeated"
    BOTH_LOW = "both_low"
    RITUAL = "ritual"


#: The values a ``wants`` question stores, in order; their distance decides the gap.
WANTS_VALUES: tuple[str, ...] = ("less", "same", "more")
#: A shared concern (:meth:`Question.shared_concern`): both answers at or below
#: ``CONCERN_LOW_MAX`` on a ``low_is_concern`` question, at or above ``CONCERN_HIGH_MIN`` on a
#: ``high_is_concern`` one: the same two points at either end of the 1–5 scale.
CONCERN_LOW_MAX, CONCERN_HIGH_MIN = 2, 4
#: An imbalance both partners see (:meth:`Question.imbalance`): mirrored answers at least this
#: far apart (1 and 5, 1 and 4, 2 and 5; not 2 and 4, an ordinary lean one way).
IMBALANCE_SPREAD = 3


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Entry(_Model):
    id: Slug


class ScaleLabels(_Model):
    """Labels for the two ends of a 1–5 scale."""

    low: Annotated[str, Field(min_length=1, max_length=40)]
    high: Annotated[str, Field(min_length=1, max_length=40)]


class Option(_Model):
    """One option of a single-choice question."""

    id: ShortSlug
    label: Annotated[str, Field(min_length=1, max_length=40)]


class MismatchRule(_Model):
    """When two answers count as a mismatch, and which exercises that suggests.

    ``exercises``: two or three exercise ids the partners choose from ("both choose"), each
    covering the question's dimension. Scale questions use ``min_gap`` (a gap of at least this
    many points; default 2). Choice questions use ``conflicts``: unordered pairs of option ids
    that pull apart. ``wants`` questions need neither: "less" against "more" is a mismatch,
    "same" against either is a small gap.

    ``measure`` (scale only): ``gap`` compares the two answers (|a − b| ≥ ``min_gap``).
    ``sum`` is for a giving ↔ receiving question where each partner places the
    relationship's reality from their own side (1 "mostly me", 5 "mostly my partner"): the two
    agree when their answers mirror each other, so the disagreement is |a + b − 6| ≥
    ``min_gap``; mirrored answers far from the middle are an imbalance both partners see (see
    :meth:`Question.imbalance`). A ``giving_receiving`` axis question must use ``sum``.
    """

    exercises: Annotated[tuple[Slug, ...], Field(min_length=2, max_length=3)]
    min_gap: Annotated[int, Field(ge=1, le=4)] = 2
    conflicts: tuple[tuple[ShortSlug, ShortSlug], ...] = ()
    measure: Literal["gap", "sum"] = "gap"


class Question(_Entry):
    """A check-in question. ``kind`` decides how it is answered.

    * ``scale``: 1–5 by inline buttons; needs ``scale`` labels.
    * ``choice``: one of 2–6 ``options`` by inline buttons.
    * ``wants``: less / about the same / more of something (the text names it), by buttons.
    * ``open``: a text message of up to 2,000 characters; has no mismatch rule.

    ``depth``: ``light`` questions make daily rounds, ``deep`` ones weekly rounds. ``axis``
    (scale only) places the answer on an interdependence axis (see :class:`Axis`).
    ``low_is_concern`` (scale only): both partners answering 1 or 2 signals something to work
    on together (a shared concern, :meth:`shared_concern`); leave it off where the low end is
    simply a preference. ``high_is_concern`` (scale only): the same at the high end (both 4
    or 5), with the same exercises.
    ``sensitive``: an answer could put pressure on someone or be used against them
    (privacy, money, saying no, whose voice counts); such a question is asked only once both
    partners opted in and never in a pair's first weeks (see :mod:`bot.domain.questions`).

    ``level``: 1 getting to know each other, 2 reflective, 3 vulnerable (asked only after a
    pair has about 20 revealed check-ins). ``role`` (see :class:`Role`) and, for an occasion
    question, its ``occasion``. ``tone`` (see :class:`Tone`). ``polarity`` (scale only, see
    :class:`Polarity`). ``area``: the boundary area a ``boundaries`` question is about.
    ``pack``: the life-stage pack the question belongs to; set by the loader for questions read
    from ``packs/*.yaml`` (such questions replace some daily slots while the pack is active).
    """

    dimension: Dimension
    depth: Depth
    kind: Literal["scale", "choice", "wants", "open"]
    text: Annotated[str, Field(min_length=10, max_length=400)]
    scale: ScaleLabels | None = None
    options: tuple[Option, ...] = ()
    axis: Axis | None = None
    low_is_concern: bool = False
    high_is_concern: bool = False
    sensitive: bool = False
    mismatch: MismatchRule | None = None
    level: Literal[1, 2, 3] = 1
    role: Role = Role.BANK
    occasion: Occasion | None = None
    tone: Tone = Tone.EVERYDAY
    polarity: Polarity | None = None
    area: BoundaryArea | None = None
    pack: Slug | None = None

    @model_validator(mode="after")
    def _check_kind(self) -> Question:
        if self.axis is not None and self.kind != "scale":
            raise ValueError("only a scale question can have an 'axis'")
        for flag in ("low_is_concern", "high_is_concern", "polarity"):
            if getattr(self, flag) not in (None, False) and self.kind != "scale":
                raise ValueError(f"only a scale question can have '{flag}'")
        if self.low_is_concern and self.high_is_concern:
            raise ValueError("a question has 'low_is_concern' or 'high_is_concern', not both")
        if (self.role is Role.OCCASION) != (self.occasion is not None):
            raise ValueError("an occasion question (and only one) names its 'occasion'")
        if self.area is not None and self.dimension is not Dimension.BOUNDARIES:
            raise ValueError("only a boundaries question can have an 'area'")
        rule = self.mismatch
        if rule is not None and rule.measure == "sum" and self.kind != "scale":
            raise ValueError("only a scale question's mismatch can use measure 'sum'")
        if rule is not None and self.axis is Axis.GIVING_RECEIVING and rule.measure != "sum":
            raise ValueError("a giving_receiving question's mismatch needs measure 'sum'")
        if self.kind in ("scale", "wants") and self.options:
            raise ValueError(f"a {self.kind} question has no 'options'")
        if self.kind != "scale" and self.scale is not None:
            raise ValueError(f"a {self.kind} question has no 'scale'")
        if self.kind != "choice" and self.mismatch is not None and self.mismatch.conflicts:
            raise ValueError(f"a {self.kind} question's mismatch has no 'conflicts'")
        if self.kind == "scale" and self.scale is None:
            raise ValueError("a scale question needs 'scale' labels (low, high)")
        if self.kind == "choice":
            self._check_choice()
        if self.kind == "open":
            if self.options:
                raise ValueError("an open question has no 'options'")
            if self.mismatch is not None:
                raise ValueError("an open question has no mismatch rule")
        return self

    def _check_choice(self) -> None:
        if not 2 <= len(self.options) <= 6:
            raise ValueError("a choice question needs 2 to 6 'options'")
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("option ids must be unique")
        if self.mismatch is not None:
            if not self.mismatch.conflicts:
                raise ValueError("a choice question's mismatch needs 'conflicts'")
            for a, b in self.mismatch.conflicts:
                for oid in (a, b):
                    if oid not in ids:
                        raise ValueError(f"conflict names unknown option '{oid}'")

    @property
    def rotates(self) -> bool:
        """Whether the bank's rotation draws this question (``role: bank``, not in a pack)."""
        return self.role is Role.BANK and self.pack is None

    def option_label(self, option_id: str) -> str | None:
        """The English label of ``option_id`` (a catalog msgid), or None when unknown.

        For ``wants`` questions the options are :data:`WANTS_VALUES`; their labels are the
        bot's texts, so this returns the value itself.
        """
        if self.kind == "wants":
            return option_id if option_id in WANTS_VALUES else None
        return next((o.label for o in self.options if o.id == option_id), None)

    def numeric(self, value: str) -> int | None:
        """A stored value as a number for averages and gaps, or None when it has none.

        Scale: 1–5. Wants: less 1, same 2, more 3. Choice and open: None.
        """
        if self.kind == "scale":
            return int(value) if value in ("1", "2", "3", "4", "5") else None
        if self.kind == "wants" and value in WANTS_VALUES:
            return WANTS_VALUES.index(value) + 1
        return None

    def gap(self, first: str, second: str) -> Gap:
        """How far two stored answers are apart by this question's own rule.

        Values are as stored: ``"1"``–``"5"`` for scale, an option id for choice, ``less`` /
        ``same`` / ``more`` for wants. A question without a mismatch rule never mismatches;
        unparseable values never mismatch.

        * scale: a difference of at least ``min_gap`` is a mismatch, any smaller difference small;
          with ``measure: sum``, answers that do not mirror each other by at least ``min_gap``
          (|a + b − 6|) are a mismatch, any other difference small;
        * choice: a listed conflict is a mismatch, other different options small;
        * wants: less against more is a mismatch (a negotiation topic), same against either small.
        """
        rule = self.mismatch
        mirrored = rule is not None and rule.measure == "sum"
        if self.kind == "open" or (first == second and not mirrored):
            return Gap.NONE
        if self.kind == "choice":
            pair = {first, second}
            conflicts = self.mismatch.conflicts if self.mismatch else ()
            return Gap.MISMATCH if any({a, b} == pair for a, b in conflicts) else Gap.SMALL
        a, b = self.numeric(first), self.numeric(second)
        if a is None or b is None:
            return Gap.NONE
        limit = (self.mismatch.min_gap if self.mismatch else 99) if self.kind == "scale" else 2
        if mirrored:
            # Each places the relationship from their own side: mirrored answers agree, and
            # the same answer twice ("mostly me", both) is the disagreement.
            if abs(a + b - 6) >= limit:
                return Gap.MISMATCH
            return Gap.NONE if a + b == 6 else Gap.SMALL
        if self.mismatch is not None and abs(a - b) >= limit:
            return Gap.MISMATCH
        return Gap.SMALL

    def shared_concern(self, first: str, second: str) -> bool:
        """Whether both stored answers sit at this scale question's concern end: both 1–2 on
        a ``low_is_concern`` question, both 4–5 on a ``high_is_concern`` one (the trigger
        :attr:`Trigger.SHARED_CONCERN`). Other questions and unparseable values: False."""
        a, b = self.numeric(first), self.numeric(second)
        if self.kind != "scale" or a is None or b is None:
            return False
        if self.low_is_concern:
            return max(a, b) <= CONCERN_LOW_MAX
        if self.high_is_concern:
            return min(a, b) >= CONCERN_HIGH_MIN
        return False

    def imbalance(self, first: str, second: str) -> bool:
        """Whether two stored answers to a ``measure: sum`` (giving ↔ receiving) question show
        an imbalance both partners see (the trigger :attr:`Trigger.IMBALANCE`).

        Each partner places the relationship from their own side (1 "mostly me", 5 "mostly my
        partner"). The answers must mirror each other, so they are no mismatch (|a + b − 6| <
        ``min_gap``: both describe the same reality), and lie far from the middle: |a − b| ≥
        :data:`IMBALANCE_SPREAD`, so 1 and 5, 1 and 4 or 2 and 5. 2 and 4 is a slight lean
        that ordinary give and take covers, and says nothing. Other questions: False."""
        rule = self.mismatch
        if rule is None or rule.measure != "sum":
            return False
        a, b = self.numeric(first), self.numeric(second)
        if a is None or b is None:
            return False
        return abs(a + b - 6) < rule.min_gap and abs(a - b) >= IMBALANCE_SPREAD


class Exercise(_Entry):
    """A guided activity for the pair: a title, why it helps, numbered steps and a duration.

    ``dimensions`` and ``triggers`` say when to use it (see :class:`Trigger`); a boundary
    exercise names its ``area`` (emotional, mental, physical or time/energy). ``not_after``:
    ids of questions whose answers must never lead to this exercise (by any trigger).
    ``purpose``: its place among its first dimension's exercises (see :class:`Purpose`).
    ``pack``: set by the loader for an exercise read from ``packs/*.yaml``.
    """

    kind: ExerciseKind
    dimensions: Annotated[tuple[Dimension, ...], Field(min_length=1)]
    triggers: Annotated[tuple[Trigger, ...], Field(min_length=1)]
    purpose: Purpose = Purpose.MISMATCH
    area: BoundaryArea | None = None
    not_after: tuple[Slug, ...] = ()
    pack: Slug | None = None
    title: Annotated[str, Field(min_length=3, max_length=60)]
    why: Annotated[str, Field(min_length=20, max_length=600)]
    minutes: Annotated[int, Field(ge=5, le=60)]
    steps: Annotated[
        tuple[Annotated[str, Field(min_length=5, max_length=400)], ...],
        Field(min_length=3, max_length=8),
    ]

    @model_validator(mode="after")
    def _check_area(self) -> Exercise:
        if (self.kind is ExerciseKind.BOUNDARY) != (self.area is not None):
            raise ValueError("a boundary exercise needs an 'area'; other kinds have none")
        return self


class ContentError(Exception):
    """A content file is missing, unreadable or has an invalid entry.

    The message names the file and, where there is one, the entry (its id, or its position).
    """
