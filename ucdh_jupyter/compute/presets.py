"""Plain-language starting points for newcomers: Small, Medium, Large, Big memory, GPU."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .query import CatalogQuery
from .specs import InstanceSpec


@dataclass(frozen=True)
class Preset:
    """A named set of catalog filters and the type suggested for it."""

    key: str
    label: str
    description: str
    filters: Mapping[str, Any]
    # Well-known, widely offered types tried first; otherwise the cheapest allowed match.
    candidates: tuple[str, ...]

    def choose(
        self, specs: Sequence[InstanceSpec], rows: Sequence[Mapping[str, Any]], backend: str
    ) -> str | None:
        """The suggested type: a candidate if offered and allowed, else the cheapest match."""
        by_name = {row["name"]: row for row in rows}
        for name in self.candidates:
            row = by_name.get(name)
            if row is not None and row["allowed"] and row["price_per_hour"] is not None:
                return name
        query = CatalogQuery.parse({**self.filters, "backend": backend})
        matching = [
            row
            for spec, row in zip(specs, rows, strict=True)
            if row["allowed"]
            and row["price_per_hour"] is not None
            and query.matches(spec, row["price_per_hour"])
        ]
        if not matching:
            return None
        return str(min(matching, key=lambda row: row["price_per_hour"])["name"])

    def to_json(self, instance_type: str | None) -> dict[str, Any]:
        """One entry of the catalog's ``presets``."""
        return {
            "key": self.key,
            "label": self.label,
            "description": self.description,
            "filters": dict(self.filters),
            "instance_type": instance_type,
        }


PRESETS = (
    Preset(
        "small",
        "Small",
        "Everyday notebooks: plotting, CSV files up to a few GB, light statistics. "
        "2 vCPUs, 8 GiB memory.",
        {"min_vcpu": 2, "min_memory_gib": 8, "gpu": "no", "sort": "price"},
        ("m6i.large", "m5.large"),
    ),
    Preset(
        "medium",
        "Medium",
        "pandas on data of several GB, regression models, small machine learning. "
        "4 vCPUs, 16 GiB memory.",
        {"min_vcpu": 4, "min_memory_gib": 16, "gpu": "no", "sort": "price"},
        ("m6i.xlarge", "m5.xlarge"),
    ),
    Preset(
        "large",
        "Large",
        "Parallel jobs, model training on CPUs, batch image processing. 16 vCPUs, 64 GiB memory.",
        {"min_vcpu": 16, "min_memory_gib": 64, "gpu": "no", "sort": "price"},
        ("m6i.4xlarge", "m5.4xlarge"),
    ),
    Preset(
        "bigmem",
        "Big memory",
        "Data that must fit in memory: genomics, large joins, big data frames. "
        "128 GiB memory or more.",
        {"min_memory_gib": 128, "gpu": "no", "sort": "price"},
        ("r6i.4xlarge", "r5.4xlarge"),
    ),
    Preset(
        "gpu",
        "GPU",
        "Deep learning and image analysis (PyTorch, TensorFlow) on an NVIDIA GPU.",
        {"gpu": "yes", "sort": "price"},
        ("g4dn.xlarge", "g5.xlarge"),
    ),
)
