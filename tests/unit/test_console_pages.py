"""The console's templates and catalogue: every label in both languages, every key a template
uses in the catalogue, every form input labelled, nothing loaded from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.console.api.i18n import LANGS, catalogue
from services.console.api.models import OutcomeForm
from services.console.api.pages import ENV, HERE, local_path
from shared.contracts.values import CallbackPurpose

pytestmark = pytest.mark.quick

TEMPLATES = sorted((HERE / "templates").glob("*.html"))
STATIC = sorted((HERE / "static").iterdir())
# t('some.key') with a literal key, and t('prefix.' ~ value) with a literal prefix.
LITERAL = re.compile(r"""\bt\(\s*'([a-z_]+\.[a-zA-Z0-9_.-]+)'\s*[,)]""")
PREFIX = re.compile(r"""\bt\(\s*'([a-z_]+\.[a-zA-Z0-9_]*)'\s*~""")
LABELLED_PREFIX = re.compile(r"""\bt\.label\(\s*'([a-z_]+)'""")


def test_both_languages_have_the_same_keys_and_no_empty_message() -> None:
    zh, en = (catalogue(lang) for lang in LANGS)
    assert set(zh) == set(en)
    assert [k for k in zh if not zh[k].strip() or not en[k].strip()] == []
    placeholders = re.compile(r"\{(\w+)\}")
    assert [
        k for k in zh if set(placeholders.findall(zh[k])) != set(placeholders.findall(en[k]))
    ] == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_callback_purpose_has_a_label(lang: str) -> None:
    """A task's purpose is shown in words, never as the code notifications sends."""
    messages = catalogue(lang)
    assert [p.value for p in CallbackPurpose if f"purpose.{p.value}" not in messages] == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_key_a_template_uses_is_in_the_catalogue(path: Path) -> None:
    text = path.read_text()
    keys = set(catalogue("zh-CN"))
    assert [k for k in LITERAL.findall(text) if k not in keys] == []
    assert [p for p in PREFIX.findall(text) if not any(k.startswith(p) for k in keys)] == []
    kinds = {k.split(".")[0] for k in keys}
    assert [p for p in LABELLED_PREFIX.findall(text) if p not in kinds] == []
    ENV.parse(text)  # and it compiles


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_input_is_labelled(path: Path) -> None:
    text = path.read_text()
    fields = re.findall(r"<(input|select|textarea)\b([^>]*)>", text)
    for tag, attrs in fields:
        if 'type="hidden"' in attrs:
            continue
        ident = re.search(r'\bid="([^"]+)"', attrs)
        wrapped = tag == "input" and 'type="radio"' in attrs  # <label><input …> text</label>
        assert wrapped or (ident and f'for="{ident.group(1)}"' in text), f"{tag} {attrs}"


@pytest.mark.parametrize("path", [*TEMPLATES, *STATIC], ids=lambda p: p.name)
def test_nothing_is_loaded_from_elsewhere(path: Path) -> None:
    text = path.read_text()
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text) == []
    assert "@import" not in text and "url(http" not in text
    assert "<script>" not in text and " style=" not in text, "no inline script or style (CSP)"


def test_redirects_stay_within_the_console() -> None:
    assert local_path("/?x=1") == "/?x=1"
    for bad in ("//evil.example", "https://evil.example", "/\\evil", "", None, "javascript:x"):
        assert local_path(bad) == "/"


def test_the_outcome_form_becomes_the_api_body() -> None:
    form = OutcomeForm.model_validate(
        {
            "csrf_token": "t",
            "reached": "yes",
            "satisfied": "no",
            "satisfaction": "2",
            "rating_foreman": "4",
            "comment": "  工期拖延  ",
        }
    )
    assert form.body() == {
        "reached": True,
        "satisfied": False,
        "satisfaction": 2,
        "ratings": {"foreman": 4},
        "comment": "工期拖延",
    }
    assert OutcomeForm.model_validate({"reached": "no"}).body() == {
        "reached": False,
        "ratings": {},
    }
