"""The event contracts: one pydantic model per subject, in the module of the service that
publishes it (`shared/contracts/<owner>.py`). The catalogue below is collected from those
modules, so a new contract is added in one place: its owner's module."""

from __future__ import annotations

import importlib

from pydantic import BaseModel

from shared.contracts.envelope import Event
from shared.contracts.ingest import ShipmentScanned, branch_of, scan_subject
from shared.contracts.reports import ReportPublished

# Catalogue order: the front door first, then each service downstream, then what is shared.
MODULES = ("intake", "projects", "aftersales", "logistics", "notifications", "reports", "ingest")
# Services that publish their own reports as report.published (the data's owner computes it).
REPORTERS = ("intake", "projects", "logistics")


def _contracts_of(module_name: str) -> list[type[BaseModel]]:
    module = importlib.import_module(f"shared.contracts.{module_name}")
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
        and "SUBJECT" in vars(value)
    ]


ALL_EVENTS: tuple[type[BaseModel], ...] = tuple(m for name in MODULES for m in _contracts_of(name))

BY_SUBJECT: dict[str, type[BaseModel]] = {
    getattr(model, "SUBJECT"): model  # noqa: B009 - SUBJECT is a ClassVar of every contract
    for model in ALL_EVENTS
}


def model_for(subject: str) -> type[BaseModel] | None:
    """The contract of a subject, resolving concrete `ingest.<branch>.…` subjects too."""
    model = BY_SUBJECT.get(subject)
    if model is None and branch_of(subject) is not None:
        model = ShipmentScanned
    return model


def published_by(service: str) -> tuple[type[BaseModel], ...]:
    """Every contract a service publishes: its own module's, and its reports."""
    own = tuple(m for m in ALL_EVENTS if getattr(m, "OWNER", "") == service)
    return own + ((ReportPublished,) if service in REPORTERS else ())


__all__ = [
    "ALL_EVENTS",
    "BY_SUBJECT",
    "MODULES",
    "REPORTERS",
    "Event",
    "ShipmentScanned",
    "branch_of",
    "model_for",
    "published_by",
    "scan_subject",
]
