"""Programs: week-by-week curricula facilitators run for a cohort of pairs (``programs/*.yaml``).

A program names, for each week, a theme (dimensions), the bank questions its rounds ask (in
order, one per check-in day, cycling), an exercise of the week, a message from the facilitator's
side, and an optional prep question sent the day before the group's live session. A short
interdependence *check* (the same few scale questions) is asked in the first and the last week,
so a cohort's change can be reported in aggregate.

Programs are validated with the rest of the content: a bad file raises
:class:`~content.schema.ContentError` naming the file and the week.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.schema import ContentError, Dimension, Exercise, Question, Slug

PROGRAMS_FOLDER = "programs"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgramWeek(_Model):
    """One week of a program. ``questions``: bank question ids, asked in this order on the
    cohort's check-in days (cycling if there are more days than questions)."""

    theme: Annotated[str, Field(min_length=3, max_length=60)]
    dimensions: Annotated[tuple[Dimension, ...], Field(min_length=1)]
    questions: Annotated[tuple[Slug, ...], Field(min_length=1, max_length=7)]
    exercise: Slug
    message: Annotated[str, Field(min_length=20, max_length=1000)]
    prep_question: Annotated[str | None, Field(min_length=10, max_length=400)] = None


class Program(_Model):
    """A cohort program: ``weeks`` weeks, listed in ``schedule`` (first week first), and the
    interdependence ``check`` (3-5 scale questions) asked in the first and last week."""

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
    questions, and that ids are unique. Raises :class:`ContentError` naming file and week.
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
            if question.kind != "scale":
                raise ContentError(f"{where}: check question '{qid}' is not a scale question")
        for number, week in enumerate(program.schedule, start=1):
            for qid in week.questions:
                if qid not in questions:
                    raise ContentError(f"{where}: week {number}: unknown question '{qid}'")
            if week.exercise not in exercises:
                raise ContentError(f"{where}: week {number}: unknown exercise '{week.exercise}'")
        programs[program.id] = program
    return programs


def _parse(path: Path, where: str) -> Program:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
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
