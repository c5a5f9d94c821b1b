"""Which instance types the researcher policy lets the researcher's role launch.

The server decides with ``Limits.reason`` on the region's live catalog and prices. The
policy generator makes no AWS call, so it decides with the same ``Limits.reason`` on what
the package bundles: the price snapshot (``compute/data/ec2-prices.json``, the type names
and on-demand prices of each region) and ``admin/data/instance-gpus.json`` (each runnable
type's GPU count, derived from ``describe_instance_types`` as the local AWS answers it).

Without a GPU or price limit, the allow-lists translate one to one into IAM patterns
(family ``t3`` -> ``t3.*``; a type pattern stays as it is), so new sizes need no
regeneration. With ``max_gpus`` or ``max_price_per_hour`` the policy must list the types:
IAM knows neither GPUs nor prices. A type whose GPU count the bundle does not know is then
left out, as the server leaves out a type whose price it does not know.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

from ..compute.limits import Limits
from ..compute.snapshot import bundled_snapshot
from ..compute.specs import InstanceSpec, family_of, parse_instance_type
from ..config import UcdhConfig

# fnmatch classes ([abc]) have no IAM equivalent; such patterns are expanded instead.
_IAM_SAFE = re.compile(r"^[A-Za-z0-9.*?\-]+$")


@functools.cache
def bundled_gpus() -> Mapping[str, int]:
    """GPU count of every runnable instance type the package knows (read on first use)."""
    raw = json.loads(files("ucdh_jupyter.admin").joinpath("data/instance-gpus.json").read_text())
    return dict(raw["gpus"])


def derive_gpu_table(items: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """``{type: GPU count}`` of the runnable entries of ``describe_instance_types``
    (how ``data/instance-gpus.json`` is regenerated, and how a test checks it)."""
    specs = (parse_instance_type(dict(item)) for item in items)
    return {spec.name: spec.gpu_count for spec in specs if spec is not None}


def _spec(name: str, gpus: int) -> InstanceSpec:
    # Limits.reason reads only the name, the family and the GPU count.
    return InstanceSpec(
        name, family_of(name), 0, 0.0, ("x86_64",), gpus, None, None, None, "", False
    )


def allowed_type_patterns(config: UcdhConfig, region: str) -> list[str] | None:
    """IAM ``ec2:InstanceType`` patterns for the configured limits; None: every type.

    An empty list means no type at all is allowed (the policy then allows no launch).
    """
    limits = Limits.from_config(config)
    listed = [*(f"{family}.*" for family in limits.families), *limits.types]
    exact = limits.max_gpus is not None or limits.max_price_per_hour is not None
    if not exact and not listed:
        return None
    if not exact and all(_IAM_SAFE.match(pattern) for pattern in listed):
        return sorted(set(listed))
    prices = bundled_snapshot().regions.get(region, {})
    gpus = bundled_gpus()
    allowed = []
    known = sorted(set(gpus) | set(prices))
    for name in known:
        if name not in gpus and limits.max_gpus is not None:
            continue  # GPU count unknown: the limit cannot be checked, so refuse
        spec = _spec(name, gpus.get(name, 0))
        if limits.reason(spec, prices.get(name)) is None:
            allowed.append(name)
    return compact(allowed, known)


def compact(allowed: list[str], known: list[str]) -> list[str]:
    """``allowed`` with each family whose every known size is allowed written ``family.*``.

    IAM caps a managed policy at 6,144 characters; a price or GPU limit alone would list
    hundreds of types. The cost: a size AWS adds later to such a family is allowed by IAM
    until the policies are regenerated (the server still checks it).
    """
    members: dict[str, set[str]] = {}
    for name in known:
        members.setdefault(family_of(name), set()).add(name)
    chosen = set(allowed)
    patterns = []
    for family, names in sorted(members.items()):
        if names <= chosen:
            patterns.append(f"{family}.*")
        else:
            patterns += sorted(names & chosen)
    return patterns
