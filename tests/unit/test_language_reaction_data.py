"""Callback data of /language and of reactions (issue 12): built and parsed in one place,
strictly (anything else is unreadable: the press gets the stale-button toast)."""

from __future__ import annotations

import pytest

from bot.domain import callbacks as cb
from bot.domain.language import match_language
from bot.domain.model import Reaction


@pytest.mark.parametrize("reaction", list(Reaction))
def test_a_reaction_round_trips(reaction: Reaction) -> None:
    data = cb.reaction(999_999_999_999, reaction.value)
    assert len(data.encode()) <= cb.MAX_CALLBACK_BYTES
    assert cb.parse(data) == cb.ReactionData(999_999_999_999, reaction.value)


@pytest.mark.parametrize(
    "data", ["rx:1:x", "rx::t", "rx:-1:t", "rx:1234567890123:t", "rx:1:t:1", "rx:1:thanks"]
)
def test_malformed_reaction_data_is_unreadable(data: str) -> None:
    assert cb.parse(data) is None


@pytest.mark.parametrize("choice", ["es", "ru", "en", "pt_BR", cb.FOLLOW_TELEGRAM])
def test_a_language_round_trips(choice: str) -> None:
    assert cb.parse(cb.language(choice)) == cb.LanguageData(choice)


@pytest.mark.parametrize("data", ["lg:", "lg:e", "lg:../es", "lg:es-ES", "lg:ESP", "lg:es es"])
def test_malformed_language_data_is_unreadable(data: str) -> None:
    assert cb.parse(data) is None


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("en", "en"),
        (" EN ", "en"),
        ("English", "en"),
        ("en-GB", "en"),
        ("auto", cb.FOLLOW_TELEGRAM),
        ("Telegram", cb.FOLLOW_TELEGRAM),
        ("xx", None),
        ("de", None),
        ("english please", None),
        ("", None),
    ],
)
def test_typed_languages_name_only_shipped_ones(typed: str, found: str | None) -> None:
    """Only English ships in the real bot/locale while the translations are being written;
    the end-to-end tests cover Spanish and Russian with temporary catalogs."""
    assert match_language(typed) == found
