"""Schema and loader for ``safety.yaml``: where to find help, by country, for ``/safety``.

Each service names how to reach it (a phone number, a text line, a website), the page its
details were taken from (``source``) and the date someone last checked them (``checked``).
Numbers change: operators must re-check every entry before relying on it (README, Safety).
The ``international`` entry is shown to everyone, whatever their country. This module imports
only :mod:`content.schema`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from content.schema import ContentError, read_yaml

__all__ = ["SAFETY_FILE", "Country", "SafetyResources", "Service", "load_safety"]

#: The file beside the other content files.
SAFETY_FILE = "safety.yaml"

_Url = Annotated[str, Field(pattern=r"^https://[A-Za-z0-9.-]+\.[a-z]{2,}(/\S*)?$")]
_Reach = Annotated[str, Field(pattern=r"^[A-Za-z0-9 +()-]{2,30}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Model):
    """One organisation: its name (shown as it is, a proper name), how to reach it and where
    and when its details were checked. ``phone`` and ``text`` are shown exactly as written
    (``text`` may hold a keyword: ``START to 88788``); ``web`` is always there."""

    name: Annotated[str, Field(min_length=2, max_length=80)]
    phone: _Reach | None = None
    text: _Reach | None = None
    web: _Url
    source: _Url
    checked: date


class Country(_Model):
    """The services of one country, by its ISO 3166-1 alpha-2 ``code``; ``name`` is English
    (a message catalog id)."""

    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    name: Annotated[str, Field(min_length=2, max_length=60)]
    services: Annotated[tuple[Service, ...], Field(min_length=1)]


class SafetyResources(_Model):
    """Every country's services and the international directory everyone is shown."""

    international: Service
    countries: tuple[Country, ...] = ()

    @model_validator(mode="after")
    def _unique_codes(self) -> SafetyResources:
        codes = [c.code for c in self.countries]
        for code in codes:
            if codes.count(code) > 1:
                raise ValueError(f"country '{code}' is listed twice")
        return self

    def country(self, code: str | None) -> Country | None:
        """The entry for ISO code ``code`` (any case), or None."""
        if not code:
            return None
        wanted = code.upper()
        return next((c for c in self.countries if c.code == wanted), None)


def load_safety(path: Path) -> SafetyResources | None:
    """Read and validate ``safety.yaml`` at ``path``; None when there is no such file (a bank
    of one's own may leave it out: ``/safety`` then shows the rest of its page).

    Raises:
        ContentError: naming the file and the first problem.
    """
    if not path.is_file():
        return None
    try:
        raw: Any = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML ({exc})") from exc
    try:
        return SafetyResources.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        problem = f"{where}: {msg}" if where else msg
        raise ContentError(f"{path.name}: {problem}") from exc
