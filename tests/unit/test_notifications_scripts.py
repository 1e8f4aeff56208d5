"""Call scripts (services/notifications/domain/scripts.py): every purpose has one in both
languages, and the agent's language picks it (Chinese unless English is asked for)."""

from __future__ import annotations

import pytest

from services.notifications.domain import SCRIPTS, script_text
from shared.contracts.values import CallbackPurpose as P

pytestmark = pytest.mark.quick


def test_every_purpose_has_a_script_in_both_languages() -> None:
    assert set(SCRIPTS) == {p.value for p in P}
    for purpose, script in SCRIPTS.items():
        assert script.zh and script.en and script.zh != script.en, purpose


def test_the_language_picks_the_script_and_chinese_is_the_fallback() -> None:
    script = SCRIPTS[P.RETURN_VISIT]
    assert script_text("return_visit", "en") == script.en
    assert script_text("return_visit", "en").startswith("Return visit (1–3 months")
    assert script_text("return_visit", "zh") == script.zh
    assert script_text("return_visit", "zh").startswith("竣工回访")
    assert script_text("return_visit", "fr") == script.zh
    assert script_text("return_visit", "EN") == script.zh
    with pytest.raises(KeyError):
        script_text("no_such_purpose", "zh")
