"""Loading Tandem's content: the question bank, the exercises and the programs, checked together.

:func:`load_content` reads ``questions.yaml`` and ``questions/*.yaml``, ``exercises.yaml`` and
``exercises/*.yaml`` (schema: :mod:`content.schema`), ``packs/*.yaml`` (:mod:`content.packs`)
and ``programs/*.yaml`` (schema: :mod:`content.programs`), checks the
entries against each other and returns one :class:`ContentBank`. It sits above both schemas so
neither imports the other's loader: ``schema`` ← ``programs`` ← ``loader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from content.packs import PACKS_FOLDER, Pack, load_packs
from content.programs import PROGRAMS_FOLDER, Program, load_programs
from content.safety import SAFETY_FILE, SafetyResources, load_safety
from content.schema import (
    CONTENT_DIR,
    ContentError,
    Depth,
    Dimension,
    Exercise,
    Question,
    Trigger,
    WeeklySlot,
    read_yaml,
)

__all__ = ["ContentBank", "load_content"]

M = TypeVar("M", Question, Exercise)


@dataclass(frozen=True)
class ContentBank:
    """All validated content, indexed by id (programs: see :mod:`content.programs`; help
    resources for ``/safety``: :mod:`content.safety`, None when the folder has none; packs:
    :mod:`content.packs`, whose questions and exercises are also in ``questions`` and
    ``exercises``)."""

    questions: dict[str, Question]
    exercises: dict[str, Exercise]
    programs: dict[str, Program] = field(default_factory=dict)
    safety: SafetyResources | None = None
    packs: dict[str, Pack] = field(default_factory=dict)

    @cached_property
    def all_questions(self) -> tuple[Question, ...]:
        """Every question (bank, pulse, revisit, occasion, packs'), in file order; one tuple
        for the bank's lifetime, so rules can cache what they derive from it."""
        return tuple(self.questions.values())

    def question(self, question_id: str) -> Question:
        """The question with this id. Raises KeyError for an unknown id."""
        return self.questions[question_id]

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with this id. Raises KeyError for an unknown id."""
        return self.exercises[exercise_id]

    def questions_of(self, depth: Depth) -> list[Question]:
        """The questions of one depth in the bank's rotation (``role: bank``, no pack), in
        file order."""
        return [q for q in self.questions.values() if q.depth is depth and q.rotates]

    def exercises_for(self, dimension: Dimension, trigger: Trigger) -> list[Exercise]:
        """The exercises covering ``dimension`` that are meant for ``trigger``, in file order."""
        return [
            e
            for e in self.exercises.values()
            if dimension in e.dimensions and trigger in e.triggers
        ]

    def exercises_after(self, question: Question, trigger: Trigger) -> list[Exercise]:
        """The exercises for ``question``'s dimension and ``trigger`` that may follow this
        question (those naming it in ``not_after`` never do, and a pack's exercises follow only
        that pack's questions: a pair without the pack never meets them), in file order."""
        return [
            e
            for e in self.exercises_for(question.dimension, trigger)
            if question.id not in e.not_after and e.pack in (None, question.pack)
        ]


def _read_entries(path: Path, name: str) -> list[Any]:
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{name}: file not found in {path.parent}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{name}: not valid YAML ({exc})") from exc
    if not isinstance(raw, list):
        raise ContentError(f"{name}: expected a list of entries at the top level")
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


def _files(folder: Path, stem: str) -> list[tuple[Path, str]]:
    """``<stem>.yaml`` (required) and then ``<stem>/*.yaml`` in name order, each with the name
    errors use (relative to ``folder``)."""
    files = [(folder / f"{stem}.yaml", f"{stem}.yaml")]
    extra = folder / stem
    if extra.is_dir():
        files += [(path, f"{stem}/{path.name}") for path in sorted(extra.glob("*.yaml"))]
    return files


def _parse(model: type[M], files: list[tuple[Path, str]]) -> tuple[dict[str, M], dict[str, str]]:
    """Every entry of ``files`` validated as ``model``, by id in file order, and where each id
    came from (``<file>: entry '<id>' (#<n>)``, for error messages)."""
    result: dict[str, M] = {}
    origin: dict[str, str] = {}
    for path, name in files:
        for index, raw in enumerate(_read_entries(path, name)):
            try:
                item = model.model_validate(raw)
            except ValidationError as exc:
                raise ContentError(
                    f"{name}: {_entry_name(raw, index)}: {_first_error(exc)}"
                ) from exc
            if item.pack is not None:
                raise ContentError(
                    f"{name}: {_entry_name(raw, index)}: 'pack' belongs in packs/*.yaml"
                )
            if item.id in result:
                raise ContentError(f"{name}: {_entry_name(raw, index)}: duplicate id")
            result[item.id] = item
            origin[item.id] = f"{name}: {_entry_name(raw, index)}"
    return result, origin


def _add_packs(
    packs: dict[str, Pack],
    questions: dict[str, Question],
    exercises: dict[str, Exercise],
    origin: dict[str, str],
) -> None:
    """Add each pack's entries to the bank's dictionaries (one namespace of ids)."""
    for pack in packs.values():
        name = f"{PACKS_FOLDER}/{pack.id}"
        for q in pack.questions:
            if q.id in questions:
                raise ContentError(f"{name}: entry '{q.id}': duplicate id")
            questions[q.id] = q
            origin[q.id] = f"{name}: entry '{q.id}'"
        for e in pack.exercises:
            if e.id in exercises:
                raise ContentError(f"{name}: entry '{e.id}': duplicate id")
            exercises[e.id] = e


def _check_sensitive(questions: dict[str, Question], origin: dict[str, str]) -> None:
    """A sensitive question can always be replaced: some question of its dimension and depth
    in the bank's rotation is not sensitive (program weeks swap one in while a pair may not be
    asked it)."""
    for question in questions.values():
        if question.sensitive and not any(
            not q.sensitive
            and q.dimension is question.dimension
            and q.depth is question.depth
            and q.rotates
            for q in questions.values()
        ):
            raise ContentError(
                f"{origin[question.id]}: sensitive, and no other "
                f"{question.depth} question of dimension '{question.dimension}' can stand in"
            )


def load_content(directory: Path | None = None) -> ContentBank:
    """Load and validate ``questions.yaml``, ``exercises.yaml``, ``programs/*.yaml`` and
    ``safety.yaml`` (optional).

    Args:
        directory: The folder holding the files; defaults to :data:`content.schema.CONTENT_DIR`
            (the shipped content). A missing ``programs`` folder means no programs.

    Returns:
        A :class:`ContentBank` with every question, exercise and program, by id, in file order.

    Raises:
        ContentError: naming the file and entry of the first problem. Beyond each entry's own
            schema, checks that every exercise a mismatch rule names exists, covers the
            question's dimension and is meant for mismatches, that there are light questions
            and deep ones for each part of a weekly round, that every dimension has an exercise
            for each trigger, that no mismatch rule names an exercise whose ``not_after`` names
            the question (a ``not_after`` id the bank lacks is harmless: a bank of one's own may
            reuse the shipped exercises), that every sensitive question has
            a non-sensitive stand-in of its dimension and depth, and what
            :func:`content.programs.load_programs` checks.
    """
    folder = directory or CONTENT_DIR
    exercises, _ = _parse(Exercise, _files(folder, "exercises"))
    questions, origin = _parse(Question, _files(folder, "questions"))
    packs = load_packs(folder / PACKS_FOLDER)
    _add_packs(packs, questions, exercises, origin)
    for question in questions.values():
        if question.mismatch is None:
            continue
        where = origin[question.id]
        for exercise_id in question.mismatch.exercises:
            exercise = exercises.get(exercise_id)
            if exercise is None:
                raise ContentError(f"{where}: mismatch names missing exercise '{exercise_id}'")
            if question.dimension not in exercise.dimensions:
                raise ContentError(
                    f"{where}: exercise '{exercise.id}' does not cover dimension "
                    f"'{question.dimension}'"
                )
            if Trigger.MISMATCH not in exercise.triggers:
                raise ContentError(f"{where}: exercise '{exercise.id}' has no 'mismatch' trigger")
            if question.id in exercise.not_after:
                raise ContentError(f"{where}: exercise '{exercise.id}' must not follow it")
        if len(set(question.mismatch.exercises)) != len(question.mismatch.exercises):
            raise ContentError(f"{where}: mismatch names an exercise twice")
    _check_sensitive(questions, origin)
    if not any(q.depth is Depth.LIGHT and q.rotates for q in questions.values()):
        raise ContentError("questions.yaml: no light questions (daily rounds need them)")
    for slot in WeeklySlot:
        if not any(
            q.depth is Depth.DEEP and q.dimension.weekly_slot is slot and q.rotates
            for q in questions.values()
        ):
            raise ContentError(
                f"questions.yaml: no deep question for the weekly round's '{slot}' part"
            )
    for dimension in Dimension:
        for trigger in (Trigger.REPEATED, Trigger.BOTH_LOW):
            if not any(
                dimension in e.dimensions and trigger in e.triggers for e in exercises.values()
            ):
                raise ContentError(
                    f"exercises.yaml: no exercise with trigger '{trigger}' covers dimension "
                    f"'{dimension}'"
                )
    programs = load_programs(folder / PROGRAMS_FOLDER, questions, exercises)
    safety = load_safety(folder / SAFETY_FILE)
    return ContentBank(
        questions=questions, exercises=exercises, programs=programs, safety=safety, packs=packs
    )
