"""Programs: week-by-week curricula facilitators run for a cohort of pairs (``programs/*.yaml``).

A program names, for each week, a theme (dimensions), the bank questions its rounds ask, an
exercise of the week, a message from the facilitator's side, and an optional prep question sent
the day before the group's live session. A week's questions are listed most important first and
asked in that order, one per check-in day, cycling: a cohort with fewer check-in days than
questions gets the first ones. The list starts with the week's deep and open questions (see
:func:`leads`; the loader refuses a week that lists a light closed question before one of them),
so every cohort reaches them. A short interdependence *check* (the same few scale questions, each
with a ``polarity`` of ``high`` or ``low``, so a change in its average has one meaning) is asked
in the first and the last week, so a cohort's change can be reported in aggregate.

Programs are validated with the rest of the content: a bad file raises
:class:`~content.schema.ContentError` naming the file and the week.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.schema import (
    Axis,
    ContentError,
    Depth,
    Dimension,
    Exercise,
    Polarity,
    Question,
    Slug,
    read_yaml,
)

PROGRAMS_FOLDER = "programs"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgramWeek(_Model):
    """One week of a program. ``questions``: bank question ids, most important first, asked in
    this order on the cohort's check-in days (cycling if there are more days than questions);
    the deep and open ones come first (:func:`leads`)."""

    theme: Annotated[str, Field(min_length=3, max_length=60)]
    dimensions: Annotated[tuple[Dimension, ...], Field(min_length=1)]
    questions: Annotated[tuple[Slug, ...], Field(min_length=1, max_length=7)]
    exercise: Slug
    message: Annotated[str, Field(min_length=20, max_length=1000)]
    prep_question: Annotated[str | None, Field(min_length=10, max_length=400)] = None


class Program(_Model):
    """A cohort program: ``weeks`` weeks, listed in ``schedule`` (first week first), and the
    interdependence ``check`` (3-5 scale questions with a ``high`` or ``low`` polarity) asked in
    the first and last week."""

    id: Slug
    name: Annotated[str, Field(min_length=3, max_length=80)]
    description: Annotated[str, Field(min_length=20, max_length=600)]
    weeks: Annotated[int, Field(ge=2, le=12)]
    check: Annotated[tuple[Slug, ...], Field(min_length=3, max_length=5)]
    schedule: tuple[ProgramWeek, ...]

    def week(self, index: int) -> ProgramWeek:
        """Week ``index`` (0 = the first). Raises IndexError past the last week."""
        return self.schedule[index]

    def has_check(self, index: int) -> bool:
        """Whether week ``index`` asks the interdependence check (the first and the last)."""
        return index in (0, self.weeks - 1)


def load_programs(
    folder: Path, questions: dict[str, Question], exercises: dict[str, Exercise]
) -> dict[str, Program]:
    """Load and validate every ``*.yaml`` in ``folder`` (missing folder: no programs).

    Beyond the schema, checks that the schedule lists exactly ``weeks`` weeks, that every
    question, check question and exercise exists in the bank, that check questions are scale
    questions whose average moves one way only (:func:`check_problem`), that each week lists
    its deep and open questions first (:func:`leads`), and that ids are unique. Raises
    :class:`ContentError` naming file and week.
    """
    programs: dict[str, Program] = {}
    if not folder.is_dir():
        return programs
    for path in sorted(folder.glob("*.yaml")):
        where = f"{PROGRAMS_FOLDER}/{path.name}"
        program = _parse(path, where)
        if program.id in programs:
            raise ContentError(f"{where}: duplicate program id '{program.id}'")
        if len(program.schedule) != program.weeks:
            missing = len(program.schedule) + 1
            if len(program.schedule) < program.weeks:
                raise ContentError(
                    f"{where}: declares {program.weeks} weeks but week {missing} is missing"
                )
            raise ContentError(
                f"{where}: declares {program.weeks} weeks but lists {len(program.schedule)}"
            )
        for qid in program.check:
            question = questions.get(qid)
            if question is None:
                raise ContentError(f"{where}: check names unknown question '{qid}'")
            problem = check_problem(question)
            if problem is not None:
                raise ContentError(f"{where}: check question '{qid}' {problem}")
        for number, week in enumerate(program.schedule, start=1):
            for qid in week.questions:
                if qid not in questions:
                    raise ContentError(f"{where}: week {number}: unknown question '{qid}'")
            _check_order(where, number, [questions[q] for q in week.questions])
            if week.exercise not in exercises:
                raise ContentError(f"{where}: week {number}: unknown exercise '{week.exercise}'")
        programs[program.id] = program
    return programs


def leads(question: Question) -> bool:
    """Whether ``question`` belongs at the head of a program week: a ``deep`` question or an
    ``open`` one (the week's reflective core, which a cohort with few check-in days must still
    get). The rest (light scale, choice and wants questions) follow."""
    return question.depth is Depth.DEEP or question.kind == "open"


def check_problem(question: Question) -> str | None:
    """Why ``question`` cannot be in a program's before/after check (a phrase to follow its
    id), or None when it can. A check question is a scale question whose ``polarity`` is
    ``high`` or ``low``: only then does a change in the cohort's average mean one thing. A
    ``none`` polarity (the ends are preferences) or a ``giving_receiving`` axis (each partner
    answers from their own side, so a couple's average stays at 3 whether it is balanced or
    not) cannot show a change."""
    if question.kind != "scale":
        return "is not a scale question"
    if question.axis is Axis.GIVING_RECEIVING:
        return (
            "is a giving \u2194 receiving question: partners answer it from their own sides, "
            "so its average stays in the middle whether a couple is balanced or not"
        )
    if question.polarity not in (Polarity.HIGH, Polarity.LOW):
        have = "no polarity" if question.polarity is None else f"polarity '{question.polarity}'"
        return (
            f"has {have}: a check question needs polarity 'high' or 'low', so a change in "
            "its average has one meaning"
        )
    return None


def _check_order(where: str, number: int, questions: list[Question]) -> None:
    """Refuse a week that lists a light closed question before a deep or open one."""
    for later_index, later in enumerate(questions):
        if not leads(later):
            continue
        earlier = next((q for q in questions[:later_index] if not leads(q)), None)
        if earlier is not None:
            raise ContentError(
                f"{where}: week {number}: '{later.id}' ({later.depth}, {later.kind}) comes "
                f"after '{earlier.id}' ({earlier.depth}, {earlier.kind}): list a week's deep "
                "and open questions first (questions are asked in order, so a cohort with "
                "fewer check-in days than questions gets the first ones)"
            )


def _parse(path: Path, where: str) -> Program:
    try:
        raw: Any = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{where}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a mapping at the top level")
    try:
        return Program.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "schedule" and isinstance(loc[1], int):
            place = f"week {loc[1] + 1}: " + ".".join(str(p) for p in loc[2:])
        else:
            place = ".".join(str(p) for p in loc)
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ContentError(f"{where}: {place}: {msg}") from exc
