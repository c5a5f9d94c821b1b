"""The instance types offered in a region: ``describe_instance_types`` ∩ region offerings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .shared import SharedCache
from .specs import InstanceSpec, parse_instance_type

log = logging.getLogger(__name__)
# AWS adds instance types a few times a month; a day-old list is fine.
CATALOG_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RegionCatalog:
    """Every runnable instance type of one region, in natural order, with a name index."""

    region: str
    specs: tuple[InstanceSpec, ...]
    by_name: Mapping[str, InstanceSpec] = field(repr=False)

    @classmethod
    def of(cls, region: str, specs: list[InstanceSpec]) -> RegionCatalog:
        """A catalog from an unsorted list of specs."""
        ordered = tuple(sorted(specs, key=InstanceSpec.natural_key))
        return cls(region, ordered, {spec.name: spec for spec in ordered})


def offered_types(ec2: Any, region: str) -> set[str] | None:
    """Names of the types offered in ``region``; None when that cannot be told.

    None (not an empty set) on a refused call or an empty answer: hiding every type
    would help nobody, so the catalog is then left unfiltered.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    names: set[str] = set()
    try:
        paginator = ec2.get_paginator("describe_instance_type_offerings")
        for page in paginator.paginate(
            LocationType="region", Filters=[{"Name": "location", "Values": [region]}]
        ):
            names.update(o["InstanceType"] for o in page.get("InstanceTypeOfferings", []))
    except (BotoCoreError, ClientError) as exc:
        log.warning("ucdh-jupyter: instance type offerings of %s unknown: %s", region, exc)
        return None
    return names or None


def fetch_catalog(ec2: Any, region: str) -> RegionCatalog:
    """Every page of ``describe_instance_types``, keeping the types offered in ``region``."""
    offered = offered_types(ec2, region)
    specs = []
    for page in ec2.get_paginator("describe_instance_types").paginate():
        for item in page.get("InstanceTypes", []):
            spec = parse_instance_type(item)
            if spec is not None and (offered is None or spec.name in offered):
                specs.append(spec)
    return RegionCatalog.of(region, specs)


_CATALOGS: SharedCache[RegionCatalog] = SharedCache(CATALOG_TTL_SECONDS)


def region_catalog(ec2: Callable[[], Any], region: str, endpoint_url: str | None) -> RegionCatalog:
    """The catalog of ``region``, fetched once per process and endpoint.

    ``ec2`` builds the client only when the catalog must be fetched: building one loads
    the EC2 service model, which costs more than answering from the cache.
    """
    return _CATALOGS.get((endpoint_url, region), lambda: fetch_catalog(ec2(), region))
