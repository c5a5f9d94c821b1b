"""What one node costs per hour on each backend, from the admin's configured rates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config import UcdhConfig
from ..errors import bad_request
from .specs import InstanceSpec

EC2, DATABRICKS = "ec2", "databricks"
BACKENDS = (EC2, DATABRICKS)
HOURS_PER_MONTH = 730  # AWS prorates GB-month storage prices over 730 hours


def check_backend(value: object) -> str:
    """``ec2`` or ``databricks``; anything else is a 400 naming the choices."""
    if value not in BACKENDS:
        raise bad_request(
            f"Unknown backend {value!r}.", "Use 'ec2' (one machine) or 'databricks' (a cluster)."
        )
    return str(value)


@dataclass(frozen=True)
class Rates:
    """Databricks DBU rates and the EBS price, as the admin configured them."""

    dbu_per_hour: Mapping[str, float]
    dbu_per_vcpu_hour: float
    price_per_dbu: float
    ebs_per_gb_month: float

    @classmethod
    def from_config(cls, config: UcdhConfig) -> Rates:
        """Read the rates from the admin settings."""
        return cls(
            dbu_per_hour=dict(config.databricks_dbu_per_hour),
            dbu_per_vcpu_hour=config.databricks_dbu_per_vcpu_hour,
            price_per_dbu=config.databricks_price_per_dbu,
            ebs_per_gb_month=config.ebs_price_per_gb_month,
        )

    def dbus(self, spec: InstanceSpec) -> float:
        """DBUs per hour of one Databricks node of this type."""
        listed = self.dbu_per_hour.get(spec.name)
        return listed if listed is not None else spec.vcpu * self.dbu_per_vcpu_hour

    def node_price(self, spec: InstanceSpec, ec2_price: float | None, backend: str) -> float | None:
        """USD per hour of one node: EC2, plus DBUs on Databricks; None if EC2 is unknown."""
        if ec2_price is None:
            return None
        if backend == DATABRICKS:
            return ec2_price + self.dbus(spec) * self.price_per_dbu
        return ec2_price

    @property
    def ebs_per_gb_hour(self) -> float:
        """USD per GB-hour of gp3 storage."""
        return self.ebs_per_gb_month / HOURS_PER_MONTH
