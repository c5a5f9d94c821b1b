"""Catalog filters and sort orders, parsed from query parameters (HTTP or magics)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import bad_request
from .rates import EC2, check_backend
from .specs import RUNNABLE_ARCHES, InstanceSpec

# sort key → catalog row field (None: natural order of names, m5.large before m5.2xlarge)
SORTS: dict[str, str | None] = {
    "name": None,
    "price": "price_per_hour",
    "vcpu": "vcpu",
    "memory": "memory_gib",
    "price_per_vcpu": "price_per_vcpu_hour",
    "price_per_gib": "price_per_gib_hour",
    "gpu_memory": "gpu_memory_gib",
}
GPU_CHOICES = ("any", "yes", "no")
ORDERS = ("asc", "desc")
PARAMS = (
    "min_vcpu",
    "min_memory_gib",
    "gpu",
    "gpu_model",
    "arch",
    "family",
    "max_price",
    "sort",
    "order",
    "backend",
)
# Jupyter's own parameters may ride along on a GET (``?token=`` in a pasted URL), and
# JupyterLab's ServerConnection adds an all-digit cache-busting parameter to GETs.
IGNORED = ("token", "_xsrf")


def _choice(params: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise bad_request(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return str(value)


# A number as a query parameter: ASCII digits only. float() alone would also read
# "١٢" (Arabic-Indic digits) or " 1_0 ", and a superscript "²" must be a 400, not a 500.
_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{0,12})?|\.[0-9]{1,12}")


def _number(params: Mapping[str, Any], name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        number = math.nan
    elif isinstance(value, str):
        number = float(value) if _DECIMAL.fullmatch(value) else math.nan
    else:
        number = float(value)
    if not math.isfinite(number) or number < 0:
        raise bad_request(f"{name} must be a number of at least 0, not {value!r}.")
    return number


@dataclass(frozen=True)
class CatalogQuery:
    """Which instance types to list and in what order."""

    min_vcpu: float | None = None
    min_memory_gib: float | None = None
    gpu: str = "any"
    gpu_model: str | None = None
    arch: str | None = None
    families: tuple[str, ...] = ()
    max_price: float | None = None
    sort: str = "name"
    order: str = "asc"
    backend: str = EC2

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> CatalogQuery:
        """Validate parameters; an unknown name or a bad value is a 400 that names it."""
        unknown = sorted(
            name for name in set(params) - set(PARAMS) - set(IGNORED) if not name.isdigit()
        )
        if unknown:
            raise bad_request(
                f"Unknown catalog parameter {unknown[0]!r}.", f"Known: {', '.join(PARAMS)}."
            )
        arch = _choice(params, "arch", RUNNABLE_ARCHES, "")
        family = str(params.get("family") or "")
        gpu_model = str(params.get("gpu_model") or "").strip()
        return cls(
            min_vcpu=_number(params, "min_vcpu"),
            min_memory_gib=_number(params, "min_memory_gib"),
            gpu=_choice(params, "gpu", GPU_CHOICES, "any"),
            gpu_model=gpu_model.lower() or None,
            arch=arch or None,
            families=tuple(f.strip() for f in family.split(",") if f.strip()),
            max_price=_number(params, "max_price"),
            sort=_choice(params, "sort", tuple(SORTS), "name"),
            order=_choice(params, "order", ORDERS, "asc"),
            backend=check_backend(params.get("backend") or EC2),
        )

    def matches(self, spec: InstanceSpec, price_per_hour: float | None) -> bool:
        """Whether a type passes every filter (an unknown price fails ``max_price``)."""
        if self.min_vcpu is not None and spec.vcpu < self.min_vcpu:
            return False
        if self.min_memory_gib is not None and spec.memory_gib < self.min_memory_gib:
            return False
        if (self.gpu == "yes" and not spec.gpu_count) or (self.gpu == "no" and spec.gpu_count):
            return False
        if self.gpu_model and not _same_gpu(spec.gpu_model, self.gpu_model):
            return False
        if self.arch and self.arch not in spec.arch:
            return False
        if self.families and spec.family not in self.families:
            return False
        return self.max_price is None or (
            price_per_hour is not None and price_per_hour <= self.max_price
        )


def _same_gpu(model: str | None, wanted: str) -> bool:
    """``t4`` and ``nvidia t4`` both name the model ``NVIDIA T4`` (but not ``T4g``)."""
    if not model:
        return False
    model = model.lower()
    return wanted == model or wanted == model.split(" ", 1)[-1]


def sort_rows(rows: list[dict[str, Any]], sort: str, order: str) -> list[dict[str, Any]]:
    """Rows in the asked order; rows without a value (unknown price, no GPU) always last.

    ``rows`` must already be in natural name order, which breaks ties.
    """
    field = SORTS[sort]
    reverse = order == "desc"
    if field is None:
        return rows[::-1] if reverse else rows
    known = [row for row in rows if row[field] is not None]
    missing = [row for row in rows if row[field] is None]
    known.sort(key=lambda row: row[field], reverse=reverse)
    return known + missing
