"""Schema and loader for Tandem's content: questions and exercises as YAML data files.

The files live beside this module (``questions.yaml``, ``exercises.yaml``). They are validated
when loaded; an invalid entry raises :class:`ContentError` naming the file and the entry, so the
bot refuses to start rather than ask a broken question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CONTENT_DIR = Path(__file__).resolve().parent

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
        """Human-readable name shown to partners."""
        return _DIMENSION_LABELS[self]


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


class ExerciseKind(StrEnum):
    """What an exercise does for a pair."""

    NEGOTIATION = "negotiation"
    BOUNDARY = "boundary"
    APPRECIATION = "appreciation"
    LISTENING = "listening"
    REPAIR = "repair"
    GROWTH = "growth"


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
    """When two answers count as a mismatch, and which exercise that suggests.

    Scale questions use ``min_gap`` (a gap of at least this many points; default 2). Choice
    questions use ``conflicts``: unordered pairs of option ids that pull apart.
    """

    exercise: Slug
    min_gap: Annotated[int, Field(ge=1, le=4)] = 2
    conflicts: tuple[tuple[ShortSlug, ShortSlug], ...] = ()


class Question(_Entry):
    """A check-in question. ``kind`` decides how it is answered.

    * ``scale``: 1–5 by inline buttons; needs ``scale`` labels.
    * ``choice``: one of 2–6 ``options`` by inline buttons.
    * ``open``: a text message of up to 2,000 characters; has no mismatch rule.
    """

    dimension: Dimension
    kind: Literal["scale", "choice", "open"]
    text: Annotated[str, Field(min_length=10, max_length=400)]
    scale: ScaleLabels | None = None
    options: tuple[Option, ...] = ()
    mismatch: MismatchRule | None = None

    @model_validator(mode="after")
    def _check_kind(self) -> Question:
        if self.kind == "scale":
            if self.scale is None:
                raise ValueError("a scale question needs 'scale' labels (low, high)")
            if self.options:
                raise ValueError("a scale question has no 'options'")
            if self.mismatch is not None and self.mismatch.conflicts:
                raise ValueError("a scale question's mismatch uses min_gap, not conflicts")
        elif self.kind == "choice":
            if not 2 <= len(self.options) <= 6:
                raise ValueError("a choice question needs 2 to 6 'options'")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError("option ids must be unique")
            if self.scale is not None:
                raise ValueError("a choice question has no 'scale'")
            if self.mismatch is not None:
                if not self.mismatch.conflicts:
                    raise ValueError("a choice question's mismatch needs 'conflicts'")
                for a, b in self.mismatch.conflicts:
                    for oid in (a, b):
                        if oid not in ids:
                            raise ValueError(f"conflict names unknown option '{oid}'")
        else:
            if self.scale is not None or self.options:
                raise ValueError("an open question has neither 'scale' nor 'options'")
            if self.mismatch is not None:
                raise ValueError("an open question has no mismatch rule")
        return self

    def option_label(self, option_id: str) -> str | None:
        """The label of ``option_id``, or None when this question has no such option."""
        return next((o.label for o in self.options if o.id == option_id), None)

    def is_mismatch(self, first: str, second: str) -> bool:
        """Whether two stored answer values differ by this question's own rule.

        Values are as stored: ``"1"``–``"5"`` for scale, an option id for choice. Open
        questions never mismatch. Unparseable values never mismatch.
        """
        if self.mismatch is None:
            return False
        if self.kind == "scale":
            try:
                return abs(int(first) - int(second)) >= self.mismatch.min_gap
            except ValueError:
                return False
        pair = {first, second}
        return any({a, b} == pair for a, b in self.mismatch.conflicts)


class Exercise(_Entry):
    """A guided activity for the pair: a title, why it helps, and numbered steps."""

    kind: ExerciseKind
    dimensions: Annotated[tuple[Dimension, ...], Field(min_length=1)]
    title: Annotated[str, Field(min_length=3, max_length=80)]
    why: Annotated[str, Field(min_length=20, max_length=600)]
    minutes: Annotated[int, Field(ge=10, le=20)]
    steps: Annotated[
        tuple[Annotated[str, Field(min_length=5, max_length=400)], ...],
        Field(min_length=3, max_length=8),
    ]


M = TypeVar("M", bound=_Entry)


class ContentError(Exception):
    """A content file is missing, unreadable or has an invalid entry.

    The message names the file and, where there is one, the entry (its id, or its position).
    """


@dataclass(frozen=True)
class ContentBank:
    """All validated content, indexed by id."""

    questions: dict[str, Question]
    exercises: dict[str, Exercise]

    def question(self, question_id: str) -> Question:
        """The question with this id. Raises KeyError for an unknown id."""
        return self.questions[question_id]

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with this id. Raises KeyError for an unknown id."""
        return self.exercises[exercise_id]


def _read_entries(path: Path) -> list[Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path.name}: file not found in {path.parent}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(raw, list):
        raise ContentError(f"{path.name}: expected a list of entries at the top level")
    return raw


def _entry_name(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"entry '{raw['id']}' (#{index + 1})"
    return f"entry #{index + 1}"


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def _parse(model: type[M], path: Path) -> dict[str, M]:
    result: dict[str, M] = {}
    for index, raw in enumerate(_read_entries(path)):
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            raise ContentError(
                f"{path.name}: {_entry_name(raw, index)}: {_first_error(exc)}"
            ) from exc
        item_id = item.id
        if item_id in result:
            raise ContentError(f"{path.name}: {_entry_name(raw, index)}: duplicate id")
        result[item_id] = item
    return result


def load_content(directory: Path | None = None) -> ContentBank:
    """Load and validate ``questions.yaml`` and ``exercises.yaml`` from ``directory``.

    ``directory`` defaults to the ``content`` package folder. Beyond each entry's own schema,
    checks that every mismatch rule names an existing exercise that covers the question's
    dimension. Raises :class:`ContentError` naming the file and entry of the first problem.
    """
    folder = directory or CONTENT_DIR
    exercises = _parse(Exercise, folder / "exercises.yaml")
    questions = _parse(Question, folder / "questions.yaml")
    for index, question in enumerate(questions.values()):
        if question.mismatch is None:
            continue
        exercise = exercises.get(question.mismatch.exercise)
        where = f"questions.yaml: entry '{question.id}' (#{index + 1})"
        if exercise is None:
            raise ContentError(
                f"{where}: mismatch names missing exercise '{question.mismatch.exercise}'"
            )
        if question.dimension not in exercise.dimensions:
            raise ContentError(
                f"{where}: exercise '{exercise.id}' does not cover dimension '{question.dimension}'"
            )
    if not questions:
        raise ContentError("questions.yaml: no questions")
    return ContentBank(questions=questions, exercises=exercises)


def dimensions_covered(questions: Iterable[Question]) -> set[Dimension]:
    """The set of dimensions the given questions measure."""
    return {q.dimension for q in questions}
