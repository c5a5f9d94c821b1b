"""Keep each policy within IAM's size limit by spreading a long instance-type list.

A managed policy holds at most 6,144 characters (whitespace not counted). A price or GPU
limit without allow-lists can admit hundreds of types, more than one policy holds. The
launch statement is then repeated, with the same conditions, across as many policies as
needed, each with a share of the types: IAM allows what any attached policy allows, so
together they allow exactly the full list.
"""

from __future__ import annotations

import copy
import json
from typing import Any

MANAGED_POLICY_LIMIT = 6144
TYPES_KEY = "ec2:InstanceType"


def policy_size(policy: dict[str, Any]) -> int:
    """Characters IAM counts for ``policy`` (JSON without whitespace)."""
    return len(json.dumps(policy, separators=(",", ":")))


def split_types(policy: dict[str, Any], sid: str) -> list[dict[str, Any]]:
    """``policy`` itself if it fits; else it with part of the types of statement ``sid``,
    followed by policies holding only that statement with the other types."""
    if policy_size(policy) <= MANAGED_POLICY_LIMIT:
        return [policy]
    main = copy.deepcopy(policy)
    launch = next(item for item in main["Statement"] if item.get("Sid") == sid)
    types: list[str] = list(launch["Condition"]["StringLike"][TYPES_KEY])
    launch["Condition"]["StringLike"][TYPES_KEY] = []
    room = MANAGED_POLICY_LIMIT - policy_size(main)
    first = _take(types, room)
    if first:
        launch["Condition"]["StringLike"][TYPES_KEY] = first
    else:
        # Not even one type fits beside the rest: the launch rule goes wholly to the extra
        # policies (an empty condition list would be no valid policy).
        main["Statement"].remove(launch)
        if policy_size(main) > MANAGED_POLICY_LIMIT:
            raise ValueError(
                f"the policy is over IAM's {MANAGED_POLICY_LIMIT} characters even without its "
                "launch rule: fewer locations or allowed buckets"
            )
    documents = [main]
    rest = types[len(first) :]
    while rest:
        extra = copy.deepcopy(launch)
        extra["Sid"] = f"{sid}Part{len(documents) + 1}"
        extra["Condition"]["StringLike"][TYPES_KEY] = []
        shell = {"Version": policy["Version"], "Statement": [extra]}
        chunk = _take(rest, MANAGED_POLICY_LIMIT - policy_size(shell))
        if not chunk:
            raise ValueError("one instance type pattern does not fit in a policy")
        extra["Condition"]["StringLike"][TYPES_KEY] = chunk
        documents.append(shell)
        rest = rest[len(chunk) :]
    return documents


def _take(types: list[str], room: int) -> list[str]:
    """The longest head of ``types`` whose JSON list fits in ``room`` more characters."""
    taken: list[str] = []
    used = 0
    for name in types:
        cost = len(json.dumps(name)) + 1  # the comma (or the list's closing bracket)
        if used + cost > room:
            break
        taken.append(name)
        used += cost
    return taken
