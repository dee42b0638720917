"""Extraction tooling for the message catalog (used by ``tandem i18n``, never by the bot).

:func:`extract_catalog` collects every user-facing English text: the bot's sentences in
:mod:`bot.texts`, the dimension labels and the content files. :func:`write_template` writes
them to ``bot/locale/tandem.pot``; :func:`init_locale` creates or updates one language's
``.po`` file from them. The bot itself only reads catalogs, through :mod:`bot.i18n.runtime`.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import texts
from bot.i18n.runtime import (
    DOMAIN,
    configured_locale_dir,
    placeholders,
    plural_rules,
    same_plural_rule,
)
from content.loader import load_content
from content.schema import CONTENT_DIR, Dimension

_BOT_DIR = Path(__file__).resolve().parent.parent


def _text_modules() -> list[Path]:
    """The feature modules of :mod:`bot.texts`: every ``bot/texts/*.py`` but ``__init__``."""
    return sorted(p for p in (_BOT_DIR / "texts").glob("*.py") if p.name != "__init__.py")


def _texts_messages(path: Path) -> Iterator[tuple[str, int]]:
    """Every string literal assigned to an UPPER_CASE name in ``path`` (with its line), except
    dict keys (lookup keys, not texts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
                continue
            if node.value is None:
                continue
            keys = {id(k) for d in ast.walk(node.value) if isinstance(d, ast.Dict) for k in d.keys}
            for sub in ast.walk(node.value):
                if not isinstance(sub, ast.Constant) or id(sub) in keys:
                    continue
                if isinstance(sub.value, str):
                    yield sub.value, sub.lineno


def _content_messages(folder: Path) -> Iterator[tuple[str, str]]:
    """(text, where) for every translatable string of the content files."""
    bank = load_content(folder)
    for q in bank.questions.values():
        yield q.text, f"questions.yaml:{q.id}"
        if q.scale is not None:
            yield q.scale.low, f"questions.yaml:{q.id}"
            yield q.scale.high, f"questions.yaml:{q.id}"
        for option in q.options:
            yield option.label, f"questions.yaml:{q.id}"
    for e in bank.exercises.values():
        for text in (e.title, e.why, *e.steps):
            yield text, f"exercises.yaml:{e.id}"
    if bank.safety is not None:
        for country in bank.safety.countries:
            yield country.name, f"safety.yaml:{country.code}"
    for pack in bank.packs.values():
        where = f"packs/{pack.id}"
        yield pack.name, where
        yield pack.description, where
    for program in bank.programs.values():
        where = f"programs/{program.id}"
        yield program.name, where
        yield program.description, where
        for week in program.schedule:
            for piece in (week.theme, week.message, week.prep_question):
                if piece:
                    yield piece, where


def extract_catalog(content_dir: Path | None = None) -> Catalog:
    """A Babel catalog of every user-facing source text: bot texts, dimension labels and
    content. Command names (the first item of each ``COMMANDS`` pair) are not texts."""
    catalog = Catalog(project="Tandem", domain=DOMAIN, fuzzy=False)
    plurals = {
        str(texts.source_of(name)[0]): texts.source_of(name) for name in texts.plural_names()
    }
    plural_forms = {form for pair in plurals.values() for form in pair}
    skip = _command_names()
    for path in _text_modules():
        where = path.relative_to(_BOT_DIR.parent).as_posix()  # bot/texts/rounds.py
        for text, line in _texts_messages(path):
            if text in plurals:
                catalog.add(plurals[text], locations=[(where, line)])
            elif text not in skip and text not in plural_forms:
                catalog.add(text, locations=[(where, line)])
    for dimension in Dimension:
        catalog.add(dimension.label, locations=[("content/schema.py", 0)])
        catalog.add(dimension.topic, locations=[("content/schema.py", 1)])
    for text, where in _content_messages(content_dir or CONTENT_DIR):
        catalog.add(text, locations=[(f"content/{where}", 0)])
    return catalog


def _command_names() -> set[str]:
    commands = (*texts.COMMANDS, *texts.FACILITATOR_COMMANDS, *texts.ADMIN_COMMANDS)
    return {name for name, _ in commands}


def write_template(path: Path | None = None) -> Path:
    """Write the catalog template (``tandem.pot``) and return its path."""
    target = path or (configured_locale_dir() / f"{DOMAIN}.pot")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, extract_catalog(), width=100, omit_header=False)
    return target


def init_locale(language: str) -> Path:
    """Create (or update, keeping translations) ``<lang>/LC_MESSAGES/tandem.po`` from the
    current source texts. Raises ValueError for a language Babel does not know."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(f"unknown language: {language}") from exc
    template = extract_catalog()
    path = configured_locale_dir() / str(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.update(template)
    else:
        catalog = Catalog(locale=locale, project="Tandem", domain=DOMAIN)
        catalog.update(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return path


def translation_problems(po_path: Path, template_path: Path) -> list[str]:
    """What keeps the catalog ``po_path`` (``<lang>/LC_MESSAGES/tandem.po``) from being a
    complete translation of the template ``template_path`` (``tandem.pot``); [] when none.

    Complete (issue 12) means: the header declares ``Plural-Forms``, and it is the language's
    rule (:func:`bot.i18n.runtime.plural_rules`); every message of the template is there, not
    fuzzy, translated (no empty string); a text has exactly the ``{placeholders}`` of its
    source; a plural message has exactly the rule's number of forms, each non-empty with the
    placeholders of the source's plural form. One line per problem, naming the message."""
    language = po_path.parent.parent.name
    raw = po_path.read_bytes()
    catalog = read_po(io.BytesIO(raw), locale=language.replace("-", "_"))
    with template_path.open("rb") as handle:
        template = read_po(handle)
    problems: list[str] = []
    declared = (catalog.num_plurals, catalog.plural_expr)
    if b"Plural-Forms:" not in raw:
        problems.append(f"{language}: the header has no Plural-Forms")
    elif not any(same_plural_rule(declared, rule) for rule in plural_rules(language)):
        wanted = " or ".join(f"nplurals={n}; plural={e};" for n, e in plural_rules(language))
        problems.append(f"{language}: Plural-Forms is not the language's rule ({wanted})")
    forms = declared[0]
    for source in template:
        if not source.id:
            continue
        name = source.id if isinstance(source.id, str) else source.id[0]
        found = catalog.get(source.id)
        if found is None:
            problems.append(f"{language}: missing {name!r}")
        elif found.fuzzy:
            problems.append(f"{language}: fuzzy {name!r}")
        elif isinstance(source.id, str):
            problems.extend(_text_problems(language, name, found.string))
        else:
            problems.extend(_plural_problems(language, source.id, found.string, forms))
    return problems


def _text_problems(language: str, source: str, translated: object) -> list[str]:
    """The problems of one text's translation (see :func:`translation_problems`)."""
    if not isinstance(translated, str) or not translated:
        return [f"{language}: not translated {source!r}"]
    if placeholders(translated) != placeholders(source):
        return [f"{language}: placeholders differ in {source!r}"]
    return []


def _plural_problems(
    language: str, source: tuple[str, ...] | list[str], translated: object, forms: int
) -> list[str]:
    """The problems of one plural message's translation (see :func:`translation_problems`)."""
    name = source[0]
    given = list(translated) if isinstance(translated, tuple | list) else []
    filled = [form for form in given if form]
    if not filled:
        return [f"{language}: not translated {name!r}"]
    # Babel pads a message with fewer forms than the header's with empty ones.
    if len(filled) != forms or len(given) != forms:
        return [f"{language}: {name!r} needs {forms} plural forms (has {len(filled)})"]
    wanted = placeholders(source[-1])
    if any(placeholders(str(form)) != wanted for form in given):
        return [f"{language}: placeholders differ in a plural form of {name!r}"]
    return []


def yaml_strings(path: Path) -> list[str]:
    """Every string in a YAML file (a helper for checks that content is in the catalog)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found
