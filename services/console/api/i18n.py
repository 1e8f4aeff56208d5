"""The message catalogue: every label in zh-CN (first) and en, chosen by a cookie."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request

MESSAGES = Path(__file__).parent / "messages"
LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "kefu_lang"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, by key."""
    data: dict[str, str] = json.loads((MESSAGES / f"{lang}.json").read_text(encoding="utf-8"))
    return data


def lang_of(request: Request) -> str:
    """The language the person chose, else Chinese."""
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGS else DEFAULT


class Translator:
    """t(key, **values): the message in this language with its {placeholders} filled. A key
    missing from the catalogue fails loudly (a test checks every template's keys)."""

    def __init__(self, lang: str) -> None:
        self.messages = catalogue(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages[key]
        return text.format(**values) if values else text

    def label(self, kind: str, value: str | None) -> str:
        """The label of a value the services send (a purpose, a team): the raw value when the
        catalogue does not know it yet, so a new value never breaks a page."""
        if not value:
            return ""
        return self.messages.get(f"{kind}.{value}", value)


def translator(lang: str) -> Translator:
    """The messages of one language."""
    return Translator(lang)
