"""Which machine this JupyterLab itself runs on, and what it costs per hour.

The status header shows it so a researcher sees what an idle interactive session costs.
Detection, in order:

1. ``UcdhConfig.workspace_instance_type``: an administrator's (or the demo's) stand-in.
2. SageMaker Studio: the resource metadata file names the domain, space and app
   (``DomainId``, ``SpaceName``, ``ResourceName``, ``AppType``); ``DescribeApp`` gives
   the app's ``ResourceSpec.InstanceType`` (``ml.t3.medium``), ``DescribeSpace`` the
   space's default when the app does not say.
3. EC2: instance metadata with IMDSv2 (a token from ``PUT /latest/api/token``, then
   ``GET /latest/meta-data/instance-type``), with short timeouts, at the endpoint botocore
   would use (``AWS_EC2_METADATA_SERVICE_ENDPOINT``; off when
   ``AWS_EC2_METADATA_DISABLED=true``, as in the demo and the tests).
4. Neither: nothing is said about the machine.

Prices: EC2 types from the compute price table, ``ml.*`` types from the AWS Price List
(service ``AmazonSageMaker``). An unknown price stays unknown, never guessed.
A machine's type does not change while JupyterLab runs, so a detection is remembered.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compute.pricing import PRICING_REGION, on_demand_hourly_usd

if TYPE_CHECKING:
    from .services import UcdhServices

log = logging.getLogger(__name__)

IMDS_DEFAULT = "http://169.254.169.254"
# A laptop has no metadata service: the probe must give up fast, not hold the status.
IMDS_TIMEOUT_SECONDS = 0.5
IMDS_TOKEN_LIFETIME = 60  # seconds; the token is used at once
SAGEMAKER_SERVICE_CODE = "AmazonSageMaker"
# After a failed price lookup, wait this long before asking the Price List again.
PRICE_RETRY_SECONDS = 15 * 60


@dataclass(frozen=True)
class Machine:
    """Where this JupyterLab runs: ``platform`` is sagemaker, ec2 or configured."""

    platform: str
    instance_type: str
    # For people: "SageMaker Studio space research", "EC2 instance", ...
    where: str


def imds_endpoint() -> str | None:
    """The instance metadata endpoint botocore would use, or None when it is switched off."""
    if os.environ.get("AWS_EC2_METADATA_DISABLED", "").strip().lower() == "true":
        return None
    endpoint = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or IMDS_DEFAULT
    return endpoint.rstrip("/")


def ec2_instance_type(endpoint: str, timeout: float = IMDS_TIMEOUT_SECONDS) -> str | None:
    """The instance type from IMDSv2 at ``endpoint``, or None when there is no answer."""
    if not endpoint.startswith(("http://", "https://")):
        return None  # urllib would open file: URLs too
    try:
        token_request = urllib.request.Request(  # noqa: S310 - http(s) checked above
            f"{endpoint}/latest/api/token",
            method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": str(IMDS_TOKEN_LIFETIME)},
        )
        with urllib.request.urlopen(token_request, timeout=timeout) as reply:  # noqa: S310
            token = reply.read(4096).decode("ascii").strip()
        type_request = urllib.request.Request(  # noqa: S310 - http(s) checked above
            f"{endpoint}/latest/meta-data/instance-type",
            headers={"X-aws-ec2-metadata-token": token},
        )
        with urllib.request.urlopen(type_request, timeout=timeout) as reply:  # noqa: S310
            name = reply.read(256).decode("ascii").strip()
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return name or None


def studio_metadata(path: str) -> dict[str, Any] | None:
    """The SageMaker Studio resource metadata, or None outside Studio (or unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("DomainId") else None


def studio_instance_type(metadata: dict[str, Any], sagemaker: Any) -> str | None:
    """The Studio app's instance type: ``DescribeApp``, else the space's default.

    ``ResourceName`` is the app's name and ``AppType`` its type (``JupyterLab``); a
    classic Studio app belongs to a user profile instead of a space.
    """
    owner = (
        {"SpaceName": metadata["SpaceName"]}
        if metadata.get("SpaceName")
        else {"UserProfileName": str(metadata.get("UserProfileName") or "")}
    )
    app_type = str(metadata.get("AppType") or "JupyterLab")
    try:
        app = sagemaker.describe_app(
            DomainId=metadata["DomainId"],
            AppType=app_type,
            AppName=str(metadata.get("ResourceName") or "default"),
            **owner,
        )
        found = (app.get("ResourceSpec") or {}).get("InstanceType")
        if found and found != "system":
            return str(found)
    except Exception as exc:  # an old app, a missing permission: try the space
        log.info("ucdh-jupyter: DescribeApp gave no instance type (%s)", type(exc).__name__)
    if not metadata.get("SpaceName"):
        return None
    space = sagemaker.describe_space(DomainId=metadata["DomainId"], SpaceName=metadata["SpaceName"])
    settings = (space.get("SpaceSettings") or {}).get(f"{app_type}AppSettings") or {}
    found = (settings.get("DefaultResourceSpec") or {}).get("InstanceType")
    return str(found) if found else None


def sagemaker_price(pricing: Any, region: str, instance_type: str) -> float | None:
    """On-demand USD/hour of a Studio ``ml.*`` type in ``region`` from the Price List.

    The Price List holds one product per use of the type (training, hosting, notebooks,
    Studio...); only a Studio or notebook product prices a Studio space.
    """
    reply = pricing.get_products(
        ServiceCode=SAGEMAKER_SERVICE_CODE,
        Filters=[
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance_type},
        ],
        FormatVersion="aws_v1",
        MaxResults=100,
    )
    by_use: dict[str, float] = {}
    for item in reply.get("PriceList", []):
        product = json.loads(item) if isinstance(item, str) else item
        attributes = (product.get("product") or {}).get("attributes") or {}
        use = str(attributes.get("component") or "").lower()
        rate = on_demand_hourly_usd(product)
        if rate is not None:
            by_use[use] = max(rate, by_use.get(use, 0.0))
    for wanted in ("studio", "notebook"):
        rates = [rate for use, rate in by_use.items() if wanted in use]
        if rates:
            return max(rates)
    return None


class MachineFinder:
    """Detects the machine once and prices it; answers from memory afterwards."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._machines: dict[tuple[str, ...], Machine | None] = {}
        self._prices: dict[tuple[str, str], tuple[float | None, float]] = {}
        self._vcpus: dict[str, int | None] = {}

    def machine(self, services: UcdhServices) -> Machine | None:
        """This JupyterLab's machine, or None when it cannot be told."""
        config = services.config
        key = (config.workspace_instance_type, config.workspace_metadata_path, str(imds_endpoint()))
        with self._lock:
            if key in self._machines:
                return self._machines[key]
        found, final = self._detect(services)
        if final:
            with self._lock:
                self._machines[key] = found
        return found

    def _detect(self, services: UcdhServices) -> tuple[Machine | None, bool]:
        """The machine, and whether that answer holds for good (a failed AWS call does not)."""
        config = services.config
        if config.workspace_instance_type:
            where = "this JupyterLab (the machine type your administrator set)"
            return Machine("configured", config.workspace_instance_type, where), True
        metadata = studio_metadata(config.workspace_metadata_path)
        if metadata is not None:
            space = metadata.get("SpaceName") or metadata.get("UserProfileName") or ""
            try:
                name = studio_instance_type(metadata, services.aws.client("sagemaker"))
            except Exception as exc:
                log.info("ucdh-jupyter: no Studio instance type (%s)", type(exc).__name__)
                return None, False
            where = f"SageMaker Studio space {space}" if space else "SageMaker Studio"
            return (Machine("sagemaker", name, where) if name else None), name is not None
        endpoint = imds_endpoint()
        if endpoint is not None:
            ec2_type = ec2_instance_type(endpoint)
            if ec2_type:
                return Machine("ec2", ec2_type, "EC2 instance"), True
        return None, True

    def price(self, services: UcdhServices, machine: Machine) -> tuple[float | None, str | None]:
        """USD per hour of the machine and where the figure comes from; (None, None) unknown."""
        if not machine.instance_type.startswith("ml."):
            table = services.compute.price_table()
            found = table.price(machine.instance_type)
            if found is None:
                return None, None
            # Short: the compute section's price-source note has the whole story.
            dated = f", {table.as_of[:10]}" if table.as_of else ""
            return found, f"EC2 on-demand ({table.source}{dated})"
        if not services.config.live_pricing:
            return None, None
        region = services.aws.region
        key = (region, machine.instance_type)
        with self._lock:
            cached = self._prices.get(key)
        if cached is not None and (cached[0] is not None or time.time() < cached[1]):
            return cached[0], "AWS Price List (SageMaker)" if cached[0] is not None else None
        try:
            pricing = services.aws.client("pricing", region=PRICING_REGION)
            found = sagemaker_price(pricing, region, machine.instance_type)
        except Exception as exc:
            log.info("ucdh-jupyter: no SageMaker price (%s)", type(exc).__name__)
            found = None
        with self._lock:
            self._prices[key] = (found, time.time() + PRICE_RETRY_SECONDS)
        return found, "AWS Price List (SageMaker)" if found is not None else None

    def vcpu(self, services: UcdhServices, machine: Machine) -> int | None:
        """vCPUs of the machine: an ``ml.`` type has the hardware of its EC2 namesake.

        One DescribeInstanceTypes call for this type, remembered: the status must not
        wait for the whole instance catalog (a minute's work on a cold, loaded server).
        """
        name = machine.instance_type.removeprefix("ml.")
        with self._lock:
            if name in self._vcpus:
                return self._vcpus[name]
        try:
            reply = services.aws.client("ec2", quick=True).describe_instance_types(
                InstanceTypes=[name]
            )
            types = reply.get("InstanceTypes") or []
            found = int(types[0]["VCpuInfo"]["DefaultVCpus"]) if types else None
        except Exception as exc:
            log.info("ucdh-jupyter: no vCPU count (%s)", type(exc).__name__)
            return None
        with self._lock:
            self._vcpus[name] = found
        return found
