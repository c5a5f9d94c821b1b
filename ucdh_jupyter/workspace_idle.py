"""How long this JupyterLab's kernels have been idle, and when to suggest a run instead.

The UCDH guide warns against spending hours programming interactively on a powerful
machine. When the machine this JupyterLab runs on is large (its $/h or vCPUs at or above
the administrator's thresholds) and no kernel has been busy for
``UcdhConfig.workspace_idle_minutes``, the status header says so, says why, and
suggests a run on AWS (billed only while it runs) or a smaller space.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .services import UcdhServices
    from .workspace_machine import MachineFinder


@dataclass(frozen=True)
class KernelActivity:
    """The kernels of this server: how many, how many busy, seconds since the last work."""

    running: int
    busy: int
    idle_seconds: int

    def to_json(self) -> dict[str, int]:
        """The ``kernels`` block of ``GET status``."""
        return {"running": self.running, "busy": self.busy, "idle_seconds": self.idle_seconds}


def kernel_activity(
    kernels: list[tuple[str, datetime]], started: datetime, now: datetime | None = None
) -> KernelActivity:
    """From ``(execution_state, last_activity)`` of each kernel: a busy kernel means no
    idle time; otherwise the time since the latest kernel activity, or since the server
    started when no kernel runs (the machine is paid for all the same)."""
    now = now or datetime.now(timezone.utc)
    busy = sum(1 for state, _ in kernels if state == "busy")
    latest = max((last for _, last in kernels), default=started)
    idle = 0 if busy else max(0, int((now - latest).total_seconds()))
    return KernelActivity(running=len(kernels), busy=busy, idle_seconds=idle)


def server_kernels(kernel_manager: Any) -> list[tuple[str, datetime]]:
    """``(execution_state, last_activity)`` of every kernel jupyter_server manages.

    Read on the event loop: the kernel manager is not meant for worker threads.
    """
    found = []
    for kernel_id in list(kernel_manager.list_kernel_ids()):
        kernel = kernel_manager.get_kernel(kernel_id)
        last = getattr(kernel, "last_activity", None)
        if isinstance(last, datetime):
            found.append((str(getattr(kernel, "execution_state", "unknown")), last))
    return found


def minutes(seconds: int) -> str:
    """``45 min`` or ``2 h 5 min``: how the header states a duration."""
    whole = seconds // 60
    if whole < 60:
        return f"{whole} min"
    return f"{whole // 60} h {whole % 60} min" if whole % 60 else f"{whole // 60} h"


def why_large(
    price: float | None, vcpu: int | None, price_limit: float, vcpu_limit: int
) -> str | None:
    """Why the machine counts as large (its $/h, its vCPUs, or both against the
    administrator's thresholds), or None when it does not."""
    reasons = []
    if price is not None and price >= price_limit:
        reasons.append(f"${price:.2f}/h, large from ${price_limit:.2f}/h")
    if vcpu is not None and vcpu >= vcpu_limit:
        reasons.append(f"{vcpu} vCPUs, large from {vcpu_limit}")
    return "; ".join(reasons) or None


def suggestion(
    platform: str, instance_type: str, large: str | None, activity: KernelActivity, idle_limit: int
) -> dict[str, str] | None:
    """``{message, reason}`` when a large machine has idled at least ``idle_limit`` seconds."""
    if large is None or activity.idle_seconds < idle_limit:
        return None
    idle = minutes(activity.idle_seconds)
    smaller = (
        "switch this space to a smaller instance type such as ml.t3.medium"
        if platform == "sagemaker"
        else "a smaller machine will do"
    )
    return {
        "message": (
            f"No kernel has been busy for {idle} on this {instance_type}. Long computations "
            f"cost less as a run on AWS, paid only while it runs; for editing, {smaller}."
        ),
        "reason": (
            f"Suggested because {instance_type} is large ({large}) and no kernel has been "
            f"busy for at least {minutes(idle_limit)}."
        ),
    }


def describe_workspace(
    services: UcdhServices, finder: MachineFinder, activity: KernelActivity
) -> dict[str, Any] | None:
    """The ``workspace`` block of ``GET status``: machine, $/h, idle time and any
    suggestion; None when the machine cannot be told (nothing is said about it)."""
    machine = finder.machine(services)
    if machine is None:
        return None
    config = services.config
    try:
        price, source = finder.price(services, machine)
    except Exception:  # no region, no price table: the type is shown without a price
        price, source = None, None
    vcpu = finder.vcpu(services, machine)
    large = why_large(
        price, vcpu, config.workspace_large_price_per_hour, config.workspace_large_vcpu
    )
    idle_limit = int(config.workspace_idle_minutes * 60)
    return {
        "platform": machine.platform,
        "where": machine.where,
        "instance_type": machine.instance_type,
        "vcpu": vcpu,
        "price_per_hour": None if price is None else round(price, 4),
        "price_source": source,
        "kernels": activity.to_json(),
        "large": large is not None,
        "suggestion": suggestion(
            machine.platform, machine.instance_type, large, activity, idle_limit
        ),
    }
