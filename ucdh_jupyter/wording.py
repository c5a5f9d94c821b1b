"""Words for people that the server's messages share (compute estimates, run limits)."""

from __future__ import annotations


def plural(number: float, noun: str) -> str:
    """``1 run``, ``3 runs``, ``0.5 hours``."""
    return f"{number:g} {noun}" + ("" if number == 1 else "s")
