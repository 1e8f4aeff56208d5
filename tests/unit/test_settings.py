"""Where each service listens: one process's port, a service's own, a base for all, the default."""

from __future__ import annotations

import pytest

from shared.settings import DEFAULT_PORTS, SERVICES, Settings, load

pytestmark = pytest.mark.quick


@pytest.fixture(autouse=True)
def _no_port_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KEFU_HTTP_PORT",
        "KEFU_PORT_BASE",
        *(f"KEFU_{s.upper()}_HTTP_PORT" for s in SERVICES),
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_8001_to_8005_and_the_console_on_8000() -> None:
    assert [load().port_for(s) for s in SERVICES] == [8001, 8002, 8003, 8004, 8005, 8000]
    assert DEFAULT_PORTS == {
        "intake": 8001,
        "projects": 8002,
        "aftersales": 8003,
        "logistics": 8004,
        "notifications": 8005,
        "console": 8000,
    }


def test_a_port_base_moves_every_service_by_its_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_PORT_BASE", "9000")
    assert [load().port_for(s) for s in SERVICES] == [9001, 9002, 9003, 9004, 9005, 9000]


def test_a_service_port_wins_over_the_base_and_http_port_over_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEFU_PORT_BASE", "9000")
    monkeypatch.setenv("KEFU_NOTIFICATIONS_HTTP_PORT", "42005")
    settings = load()
    assert (settings.port_for("intake"), settings.port_for("notifications")) == (9001, 42005)
    monkeypatch.setenv("KEFU_HTTP_PORT", "7000")
    assert load("intake").port_for("intake") == 7000


def test_a_service_port_that_is_not_a_number_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEFU_INTAKE_HTTP_PORT", "eighty")
    with pytest.raises(ValueError, match=r"service_ports\.intake"):
        load()


def test_settings_made_directly_use_the_defaults() -> None:
    assert Settings().port_for("logistics") == 8004
