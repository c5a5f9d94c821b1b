"""The admin's limits on instance types: allowed families/types, $/hour, GPUs, runtime."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from ..config import UcdhConfig
from .specs import InstanceSpec


@dataclass(frozen=True)
class Limits:
    """Checks one instance type against the admin configuration."""

    families: tuple[str, ...]
    types: tuple[str, ...]
    max_price_per_hour: float | None
    max_gpus: int | None
    max_runtime_hours: float

    @classmethod
    def from_config(cls, config: UcdhConfig) -> Limits:
        """Read the limits from the admin settings."""
        return cls(
            families=tuple(config.allowed_instance_families),
            types=tuple(config.allowed_instance_types),
            max_price_per_hour=config.max_price_per_hour,
            max_gpus=config.max_gpus,
            max_runtime_hours=config.max_runtime_hours,
        )

    def to_json(self) -> dict[str, Any]:
        """The ``limits`` object of the catalog response."""
        return {
            "max_price_per_hour": self.max_price_per_hour,
            "max_gpus": self.max_gpus,
            "allowed_families": list(self.families),
            "allowed_types": list(self.types),
            "max_runtime_hours": self.max_runtime_hours,
        }

    def listed(self, spec: InstanceSpec) -> bool:
        """Whether the allow-lists (if any) admit this type."""
        if not self.families and not self.types:
            return True
        return spec.family in self.families or any(
            fnmatch.fnmatchcase(spec.name, pattern) for pattern in self.types
        )

    def reason(self, spec: InstanceSpec, price_per_hour: float | None) -> str | None:
        """Why this type is not allowed, in plain words; None when it is allowed.

        ``price_per_hour`` is one node's price on the backend in question.
        """
        if not self.listed(spec):
            allowed = ", ".join([*self.families, *self.types])
            return f"Your administrator allows only these instance types: {allowed}."
        if self.max_gpus is not None and spec.gpu_count > self.max_gpus:
            allowed = "no GPU types" if self.max_gpus == 0 else f"at most {_gpus(self.max_gpus)}"
            return f"{spec.name} has {_gpus(spec.gpu_count)}; your administrator allows {allowed}."
        if self.max_price_per_hour is not None:
            if price_per_hour is None:
                return (
                    f"The price of {spec.name} is unknown, so your administrator's limit of "
                    f"${self.max_price_per_hour:g}/hour cannot be checked."
                )
            if price_per_hour > self.max_price_per_hour:
                return (
                    f"{spec.name} costs ${price_per_hour:.2f}/hour; your administrator's "
                    f"limit is ${self.max_price_per_hour:.2f}/hour."
                )
        return None


def _gpus(count: int) -> str:
    return f"{count} GPU" + ("s" if count > 1 else "")
