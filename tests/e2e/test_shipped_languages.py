"""End-to-end: one full check-in (question, reveal, exercise offer) in the shipped Spanish and
Russian catalogs, each partner in their own language (issue 12, "Done when")."""

from __future__ import annotations

import re

from bot import i18n, texts
from bot.sandbox import Sandbox
from tests.conftest import invite_link, start_user
from tests.e2e.helpers import labels, no_error_reply

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def said(language: str, text_name: str, **values: object) -> str:
    """A bot text as the shipped catalog of ``language`` says it."""
    with i18n.speaking(language):
        text = getattr(texts, text_name)
    assert text != texts.source(text_name), f"{text_name} is not translated into {language}"
    return text.format(**values) if values else text


async def test_a_whole_check_in_in_spanish_and_in_russian(box: Sandbox) -> None:
    assert {"es", "ru"} <= set(i18n.available_locales())
    ana = box.fake.user(1001, "Ana", language_code="es")
    oleg = box.fake.user(1002, "Oleg", language_code="ru")
    await start_user(ana, "Madrid")
    await start_user(oleg, "Moscow")
    assert ana.chat.messages[0].text == said("es", "WELCOME", name="Ana")
    assert oleg.chat.messages[0].text == said("ru", "WELCOME", name="Oleg")
    await ana.send("/pair")
    await oleg.open_link(invite_link(ana))
    await oleg.press(said("ru", "INVITE_ACCEPT"))
    await ana.send("/frequency off")

    await ana.send("/checkin")
    question_es, question_ru = ana.chat.last, oleg.chat.last
    # The same question, each in their own language, with translated buttons.
    assert CYRILLIC.search(question_ru.text) and not CYRILLIC.search(question_es.text)
    assert question_es.text != question_ru.text
    await ana.press("5")
    assert CYRILLIC.search(oleg.chat.last.text)  # "Ana has answered", in Russian
    await oleg.press("1")

    header_es, header_ru = said("es", "REVEAL_HEADER"), said("ru", "REVEAL_HEADER")
    reveal_es = next(m for m in reversed(ana.chat.messages) if header_es in m.text)
    reveal_ru = next(m for m in reversed(oleg.chat.messages) if header_ru in m.text)
    assert "Oleg" in reveal_es.text and "Ana" in reveal_ru.text
    # Both answers, each shown in the reader's language, with the reaction row translated.
    assert CYRILLIC.search(reveal_ru.text.replace(header_ru, "")) and not CYRILLIC.search(
        reveal_es.text
    )
    with i18n.speaking("es"):
        thanks_es = texts.REACTION_LABELS["thanks"]
    with i18n.speaking("ru"):
        thanks_ru = texts.REACTION_LABELS["thanks"]
    assert thanks_es != thanks_ru and thanks_es in labels(reveal_es)
    assert thanks_ru in labels(reveal_ru)

    # The exercise offer after the mismatch: titles and buttons in each one's language.
    not_now_es, not_now_ru = said("es", "BTN_NOT_NOW"), said("ru", "BTN_NOT_NOW")
    offer_es = next(m for m in reversed(ana.chat.messages) if not_now_es in labels(m))
    offer_ru = next(m for m in reversed(oleg.chat.messages) if not_now_ru in labels(m))
    titles_ru = [b for b in labels(offer_ru) if b != not_now_ru]
    assert titles_ru and all(CYRILLIC.search(t) for t in titles_ru)
    assert not any(CYRILLIC.search(t) for t in labels(offer_es))
    assert len(labels(offer_es)) == len(labels(offer_ru))
    no_error_reply(ana, oleg)
