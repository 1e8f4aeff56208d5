"""Phone numbers masked wherever shown (shared.validation.Phone makes them canonical)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """The number as logs and screens show it: "13812345678" → "138****5678"."""
    tail = 4
    if len(phone) <= tail:
        return "*" * len(phone)
    head = 3 if len(phone) >= 10 else 0  # short local numbers would give too much away
    return phone[:head] + "*" * (len(phone) - head - tail) + phone[-tail:]
