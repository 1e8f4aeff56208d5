"""Money is integer fen everywhere; this is how an amount reads in messages and on pages."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Fen as a yuan amount with thousands separators, e.g. 1234567 -> '12,345.67'.

    Only the number: the sentence around it names the unit in its own language ('yuan', '元').
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
