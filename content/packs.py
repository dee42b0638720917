"""Life-stage packs (``packs/*.yaml``): questions and exercises for one stretch of a couple's
life (moving in, long distance, a new baby …) that a pair turns on with ``/packs``.

A pack file is a mapping: ``id``, ``name``, ``description``, then ``questions`` and
``exercises`` written exactly like entries of the bank (:class:`content.schema.Question`,
:class:`content.schema.Exercise`). While a pack is active, its light questions replace some of
the pair's daily slots and its deep ones may fill a weekly part; they never join the bank's
rotation for other pairs. The loader stamps each entry's ``pack`` with the pack's id, and the
ids share one namespace with the bank (a round stores only the question id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content.schema import ContentError, Exercise, Question, Slug, read_yaml

PACKS_FOLDER = "packs"
"""The folder, beside the bank's files, that holds the pack files."""


class Pack(BaseModel):
    """One life-stage pack: its name and description as shown by ``/packs`` (message
    catalog msgids), and its questions and exercises (each with ``pack`` set to ``id``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: Annotated[str, Field(min_length=3, max_length=60)]
    description: Annotated[str, Field(min_length=20, max_length=400)]
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]
    exercises: tuple[Exercise, ...] = ()


def _stamp(raw: Any, pack_id: Any) -> Any:
    """A pack file's entry with its ``pack`` filled in (the file does not repeat it)."""
    if isinstance(raw, dict) and "pack" not in raw:
        return {**raw, "pack": pack_id}
    return raw


def load_packs(folder: Path) -> dict[str, Pack]:
    """Read and validate every ``*.yaml`` in ``folder`` (a missing folder: no packs).

    Returns the packs by id, in file-name order. Raises :class:`ContentError` naming the file
    (``packs/<name>.yaml``) and the entry for a file that is not YAML, not a mapping, or has an
    invalid entry, and for an entry whose ``pack`` names another pack; checks across the bank
    (unique ids, exercises a rule names) are :func:`content.loader.load_content`'s.
    """
    packs: dict[str, Pack] = {}
    if not folder.is_dir():
        return packs
    for path in sorted(folder.glob("*.yaml")):
        where = f"{PACKS_FOLDER}/{path.name}"
        try:
            raw: Any = read_yaml(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ContentError(f"{where}: not valid YAML ({exc})") from exc
        if not isinstance(raw, dict):
            raise ContentError(f"{where}: expected a mapping at the top level")
        pack_id = raw.get("id")
        for key in ("questions", "exercises"):
            if isinstance(raw.get(key), list):
                raw = {**raw, key: [_stamp(entry, pack_id) for entry in raw[key]]}
        try:
            pack = Pack.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ContentError(f"{where}: {loc}: {msg}") from exc
        stamps = [(q.id, q.pack) for q in pack.questions] + [(e.id, e.pack) for e in pack.exercises]
        for entry_id, stamp in stamps:
            if stamp != pack.id:
                raise ContentError(f"{where}: entry '{entry_id}' names pack '{stamp}'")
        if pack.id in packs:
            raise ContentError(f"{where}: duplicate pack id '{pack.id}'")
        packs[pack.id] = pack
    return packs
