"""The body of ``POST compute/estimate``, typed strictly.

``"hours_low": "2"`` or ``"count": true`` is a 400 naming the field, and a field the
estimate does not know is refused rather than ignored. The ranges (hours above 0 and
within the admin's cap, counts, disk sizes) stay with :class:`~.estimate.EstimateRequest`,
which the magics and widgets call with the same body.

pydantic is slow to import: this module is imported on first use, never at server start.
"""

from __future__ import annotations

from pydantic import Field

from ..contract import StrictModel


class EstimateBody(StrictModel):
    """``POST compute/estimate``: what to price (``backend`` checked by the estimate)."""

    backend: str | None = None
    instance_type: str | None = None
    count: int | None = None
    hours_low: float | None = Field(None, allow_inf_nan=False)
    hours_high: float | None = Field(None, allow_inf_nan=False)
    ebs_gb: int | None = None
