"""The one bound traitlets' own ``min``/``max`` cannot say: strictly above 0.

traitlets' bounds are inclusive. For a size, an interval, a runtime or a budget, 0 is
not a usable value (a log that never rotates, a loop that spins, every run refused), so
the groups holding such traits keep a small validator each, which asks this one check.
"""

from __future__ import annotations

from typing import Any

from traitlets import TraitError


def above_zero(proposal: dict[str, Any]) -> Any:
    """The proposed value if it is unset or above 0; else a ``TraitError`` worded as
    traitlets words its own bounds (the trait's name, the bound, the value)."""
    value = proposal["value"]
    if value is not None and value <= 0:
        raise TraitError(
            f"The value of the '{proposal['trait'].name}' trait of a UcdhConfig instance "
            f"should be above 0, but a value of {value} was specified"
        )
    return value
