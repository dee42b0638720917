"""Settings, content validation and the command line (what needs no running Application)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
from content.loader import load_content
from content.schema import ContentError

GOOD_TOKEN = "123456789:AAFakeTokenForTheEmulatorOnly_0123456789"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///tandem.sqlite3"
    assert settings.default_timezone == "UTC"
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        settings.require_token()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("LOG_LEVEL", "LOUD"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("DATABASE_URL", "tandem.sqlite3"),
        ("ENCRYPTION_KEYS", "dGFuZGVtLXRlc3Qta2V5LW5ldmVyLWluLXByb2R1Y3Q=,short-secret-key"),
    ],
)
def test_malformed_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(name) and "\n" not in message
    assert GOOD_TOKEN not in message and "short-secret-key" not in message


def test_token_is_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    assert GOOD_TOKEN not in repr(load_settings())


def test_run_without_token_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tandem: TELEGRAM_BOT_TOKEN") and "\n" not in err


def test_content_check_and_db_upgrade(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["content", "check"]) == 0
    assert "questions" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "db.sqlite3").exists()


def _write(folder: Path, questions: str, exercises: str | None = None) -> Path:
    shipped = Path(load_content.__code__.co_filename).parent
    (folder / "questions.yaml").write_text(questions)
    (folder / "exercises.yaml").write_text(
        exercises if exercises is not None else (shipped / "exercises.yaml").read_text()
    )
    return folder


EXERCISE_ID = next(iter(load_content().exercises))


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "- id: q1\n  dimension: stamina\n  depth: light\n  kind: open\n"
            "  text: How was your day today?\n",
            "entry 'q1' (#1): dimension",
        ),
        (
            "- id: q2\n  dimension: trust\n  depth: light\n  kind: scale\n"
            "  text: How much do you trust me?\n",
            "entry 'q2' (#1): a scale question needs 'scale' labels",
        ),
        (
            "- id: q3\n  dimension: trust\n  depth: light\n  kind: scale\n"
            "  text: How much do you trust me?\n"
            f"  scale: {{low: a, high: b}}\n  mismatch: {{exercises: [nowhere, {EXERCISE_ID}]}}\n",
            "entry 'q3' (#1): mismatch names missing exercise 'nowhere'",
        ),
        ("not: a list\n", "expected a list"),
        ("- id: [\n", "not valid YAML"),
    ],
)
def test_invalid_content_names_file_and_entry(tmp_path: Path, entry: str, expected: str) -> None:
    with pytest.raises(ContentError) as caught:
        load_content(_write(tmp_path, entry))
    assert str(caught.value).startswith("questions.yaml")
    assert expected in str(caught.value)


def test_invalid_content_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import bot.cli

    bad = _write(tmp_path, "- id: q1\n  dimension: stamina\n  kind: open\n  text: Hello there?\n")
    monkeypatch.setattr(bot.cli, "load_content", lambda: load_content(bad))
    assert main(["content", "check"]) == 2
    assert "invalid content: questions.yaml: entry 'q1'" in capsys.readouterr().err
