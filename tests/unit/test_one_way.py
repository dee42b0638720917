"""One way for each kind of thing: typed stored strings with one parser each, callback data
only through ``callbacks.py``, each product constant defined once, every parse refusal a
translatable sentence."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.subjects import (
    AwaitAnswer,
    AwaitBroadcast,
    AwaitCohortDraft,
    AwaitReminderTime,
    AwaitTime,
    AwaitTimezone,
    BroadcastSubject,
    CohortSubject,
    CohortWeekSubject,
    MemberSubject,
    OfferSubject,
    PairSubject,
    RoundSubject,
    parse_awaiting,
)
from scheduler.cadence import TimeReason

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"


@pytest.mark.parametrize(
    "value",
    [
        AwaitTimezone(),
        AwaitTime(),
        AwaitAnswer(12, 2),
        AwaitReminderTime(7),
        AwaitCohortDraft(),
        AwaitBroadcast(3),
    ],
)
def test_every_awaited_input_round_trips(value: object) -> None:
    assert parse_awaiting(value.encode()) == value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "stored", ["", None, "answer", "answer:1", "answer:x:1", "remind:", "bogus"]
)
def test_an_unknown_awaited_input_reads_as_nothing(stored: str | None) -> None:
    assert parse_awaiting(stored) is None


@pytest.mark.parametrize(
    "subject",
    [
        PairSubject(4),
        RoundSubject(9),
        MemberSubject(9, 1001),
        OfferSubject(5),
        CohortSubject(2),
        CohortWeekSubject(2, 3),
        BroadcastSubject(8),
    ],
)
def test_every_due_work_subject_round_trips_and_refuses_the_others(subject: object) -> None:
    kind = type(subject)
    assert kind.parse(subject.encode()) == subject  # type: ignore[attr-defined]
    for bad in ("", "pair", "pair:x", "pair:1:2:3", "round:-1", "offer:1e3"):
        if bad == subject.encode():  # type: ignore[attr-defined]
            continue
        with pytest.raises(ValueError):
            kind.parse(bad)  # type: ignore[attr-defined]


def test_every_time_reason_reads_as_a_sentence() -> None:
    reasons = texts.source_of("TIME_REASONS")
    assert set(reasons) == {r.value for r in TimeReason}
    assert all(sentence.endswith(".") for sentence in reasons.values())


def _domain_sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(DOMAIN.rglob("*.py"))]


def test_callback_data_is_only_built_in_callbacks_py() -> None:
    """Every ``Button(label, data)`` in the domain takes its data from a ``cb.<kind>(...)``
    builder; no callback string is written by hand anywhere else."""
    handwritten = []
    for path, tree in _domain_sources():
        if path.name in ("callbacks.py", "messages.py"):  # messages.py reads stored keyboards
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Button"):
                continue
            data = node.args[1] if len(node.args) > 1 else None
            data = next((k.value for k in node.keywords if k.arg == "data"), data)
            built = (
                isinstance(data, ast.Call)
                and isinstance(data.func, ast.Attribute)
                and getattr(data.func.value, "id", None) == "cb"
            )
            if not built:
                handwritten.append(f"{path.name}:{node.lineno}")
    assert not handwritten


def test_stored_strings_are_split_only_by_their_parsers() -> None:
    """``split(":")`` reads a stored subject or awaited input: only subjects.py and
    callbacks.py may do that."""
    found = []
    for path, tree in _domain_sources():
        if path.name in ("subjects.py", "callbacks.py"):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "split"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == ":"
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert not found


def test_each_product_constant_is_defined_once() -> None:
    """An UPPER_CASE constant of the domain lives in one module (``DUE_HANDLERS`` is each
    feature's own export)."""
    owners: dict[str, list[str]] = {}
    for path, tree in _domain_sources():
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    owners.setdefault(target.id, []).append(str(path.relative_to(DOMAIN)))
    twice = {n: o for n, o in owners.items() if len(o) > 1 and n != "DUE_HANDLERS"}
    assert not twice


def test_the_settings_buttons_parse_back_to_what_they_mean() -> None:
    assert cb.parse(cb.frequency("weekdays")) == cb.FrequencyData("weekdays")
    assert cb.parse(cb.weekday(6)) == cb.WeekdayData(6)
    assert cb.parse(cb.timezone("America/New_York")) == cb.TimezoneData("America/New_York")
    assert cb.parse(cb.pair_timezone("partner")) == cb.PairTimezoneData("partner")
    assert cb.parse(cb.setting("keep")) == cb.SettingData("keep")
