"""One cost story in the run dialog (issue 12): the expected runtime and the max runtime
talk to each other, one cost block says what each figure counts (disk and DBUs
included), history comes only from the same notebook on the same machines, the verdict
is the server's (the very check a submit makes), and every message speaks the UI's words.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.compute.estimate import EstimateRequest
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.costs import rate_text
from ucdh_jupyter.runs.model import Run, RunState, utcnow
from ucdh_jupyter.runs.policy import run_maximum
from ucdh_jupyter.runs.user import UserRuns
from ucdh_jupyter.services import UcdhServices

from . import test_run_databricks as stand_in
from .helpers import make_run

local_databricks = stand_in.local_databricks
make_services = stand_in.make_services
services = stand_in.services
root = stand_in.root

NOTEBOOK = "study/cohort.ipynb"


def dialog(services: UcdhServices, root: Path, **body: Any) -> dict[str, Any]:
    """What the run dialog shows for ``body`` (the researcher's choice)."""
    user = UserRuns(services.runs, services.compute, "researcher", root)
    return user.prepare({"notebook_path": NOTEBOOK, **body})


def node_parts(services: UcdhServices, instance_type: str) -> tuple[float, float, float]:
    """EC2 $/h of one machine, DBU $/h of one Databricks node, and the EC2 run's disk $/h,
    from the price table and the admin's rates."""
    compute, config = services.compute, services.compute.config
    spec = compute.spec(instance_type)
    ec2 = compute.price_table().price(spec.name)
    assert ec2 is not None
    dbu = compute.rates.dbus(spec) * config.databricks_price_per_dbu
    disk = config.runs_volume_gb * config.ebs_price_per_gb_month / 730
    return ec2, dbu, disk


def finished(notebook: str, backend: str, instance_type: str, count: int, minutes: float) -> Run:
    """A successful run of the researcher that took ``minutes``."""
    run = make_run(
        notebook_path=notebook, backend=backend, instance_type=instance_type, count=count
    )
    end = utcnow()
    run.state, run.cost_final_usd = RunState.SUCCEEDED, 0.0123
    run.started_at = (end - timedelta(minutes=minutes)).isoformat()
    run.ended_at = end.isoformat()
    return run


def test_ec2_cost_block_counts_the_expected_range_and_the_maximum_with_the_disk(
    services: UcdhServices, root: Path
) -> None:
    # Given the dialog of an EC2 run on a t3.micro, expected to take 1-2 hours
    cost = dialog(services, root, instance_type="t3.micro", hours_low=1, hours_high=2)["cost"]
    ec2, _, disk = node_parts(services, "t3.micro")
    # Then the max runtime is twice the expected end, and both figures include the disk
    assert (cost["hours_low"], cost["hours_high"], cost["max_hours"]) == (1, 2, 4)
    assert cost["max_hours_typed"] is False and cost["max_hours_capped"] is False
    assert cost["expected_low_usd"] == pytest.approx(ec2 + disk, abs=1e-4)
    assert cost["expected_high_usd"] == pytest.approx((ec2 + disk) * 2, abs=1e-4)
    assert cost["max_cost_usd"] == pytest.approx((ec2 + disk) * 4, abs=1e-4)
    # and each says what it counts, in the dialog's words
    assert cost["expected_counts"] == (
        f"1\u20132 h \u00d7 1 t3.micro at ${ec2:.4f}/h + 30 GB disk at ${disk:.4f}/h"
    )
    assert cost["max_counts"].startswith("4 h max runtime \u00d7 1 t3.micro")
    assert cost["max_counts"].endswith("then the machine is terminated")
    # and the server's verdict says why the run may go
    assert cost["verdict"]["ok"] is True
    assert cost["verdict"]["message"].startswith("Within the limits: no budget applies here")


def test_databricks_cost_block_counts_every_node_and_its_dbus_and_refuses_as_submit_does(
    make_services: Any, root: Path
) -> None:
    # Given a $0.05 budget per run, and the dialog of a Databricks job cluster of
    # 2 workers + the driver on m5d.xlarge, expected to take 0.5-1 hour
    services = make_services(runs_budget_per_run_usd=0.05)
    body = {
        "instance_type": "m5d.xlarge",
        "backend": "databricks",
        "workers": 2,
        "hours_low": 0.5,
        "hours_high": 1,
    }
    cost = dialog(services, root, **body)["cost"]
    ec2, dbu, _ = node_parts(services, "m5d.xlarge")
    # Then the maximum counts 3 nodes with their DBUs for twice the expected end, no disk
    assert cost["count"] == 3 and cost["max_hours"] == 2
    assert cost["max_cost_usd"] == pytest.approx((ec2 + dbu) * 3 * 2, abs=1e-4)
    assert cost["expected_high_usd"] == pytest.approx((ec2 + dbu) * 3, abs=1e-4)
    assert "3 m5d.xlarge (2 workers + the driver)" in cost["expected_counts"]
    assert "DBU/h" in cost["expected_counts"] and "disk" not in cost["expected_counts"]
    assert cost["max_counts"].endswith("then the job cluster is terminated")
    # and the verdict refuses it over the budget, with the words submit answers with
    verdict = cost["verdict"]
    assert verdict["ok"] is False and "above the $0.05 budget per run" in verdict["message"]
    # (a submit sends the max runtime the dialog shows, not the expected runtime)
    submitted = {key: value for key, value in body.items() if not key.startswith("hours_")}
    user = UserRuns(services.runs, services.compute, "researcher", root)
    with pytest.raises(UcdhError) as refused:
        user.submit({"notebook_path": NOTEBOOK, **submitted, "max_hours": 2})
    assert refused.value.message == verdict["message"]


def test_history_is_shown_only_for_the_same_notebook_backend_type_and_nodes(
    services: UcdhServices, root: Path
) -> None:
    # Given successful runs of other notebooks, backends, types and cluster sizes
    store = services.runs.store
    for run in (
        finished("study/other.ipynb", "ec2", "t3.micro", 1, 5),
        finished(NOTEBOOK, "databricks", "t3.micro", 2, 5),
        finished(NOTEBOOK, "ec2", "m5.large", 1, 5),
    ):
        store.put(run)
    # When the dialog prices this notebook on an EC2 t3.micro
    cost = dialog(services, root, instance_type="t3.micro")["cost"]
    # Then there is no history line
    assert cost["history"] is None
    # Given a 12-minute run of this very notebook on the same machine
    same = finished(NOTEBOOK, "ec2", "t3.micro", 1, 12)
    store.put(same)
    history = dialog(services, root, instance_type="t3.micro")["cost"]["history"]
    # Then the history says what it is, and never by the run id alone
    assert history["hours"] == pytest.approx(0.2)
    assert history["text"] == (
        "Last successful run of this notebook on 1 t3.micro on EC2: 12 min 00 s, $0.01."
    )
    assert same.id not in history["text"]
    # Given a newer 9-second run costing a fraction of a cent, it reads as its run
    # card does ("9 s", "<$0.01"), saying the minute billed
    quick = finished(NOTEBOOK, "ec2", "t3.micro", 1, 0.15)
    quick.cost_final_usd = 0.00023
    store.put(quick)
    history = dialog(services, root, instance_type="t3.micro")["cost"]["history"]
    assert history["text"] == (
        "Last successful run of this notebook on 1 t3.micro on EC2: "
        "9 s (billed as 1 min 00 s), <$0.01."
    )


def test_max_runtime_follows_the_expected_runtime_within_the_admins_cap(
    make_services: Any, root: Path
) -> None:
    # Given an admin cap of 3 hours
    services = make_services(max_runtime_hours=3)
    # When the researcher expects 0.5-1 hour, then 1-2 hours, without typing a max
    short = dialog(services, root, instance_type="t3.micro", hours_low=0.5, hours_high=1)
    long = dialog(services, root, instance_type="t3.micro", hours_low=1, hours_high=2)
    # Then the max is twice the expected end, then cut to the cap, saying so
    assert (short["runtime"]["max_hours"], short["runtime"]["max_hours_capped"]) == (2, False)
    assert (long["runtime"]["max_hours"], long["runtime"]["max_hours_capped"]) == (3, True)
    assert "the longest allowed here is 3 h" in long["runtime"]["note"]
    assert long["cost"]["verdict"]["ok"] is True
    # and without any expected runtime the max is the admin's default (twice 0.5-1 h)
    plain = dialog(services, root)["runtime"]
    assert plain["max_hours"] == services.runs.config.runs_default_max_hours
    assert (plain["hours_low"], plain["hours_high"]) == (0.5, 1)
    # When the researcher types a max below the expected end
    typed = dialog(services, root, instance_type="t3.micro", hours_high=2, max_hours=1)
    # Then it is kept as typed, and refused in the dialog's words
    assert typed["runtime"]["max_hours_typed"] is True and typed["runtime"]["max_hours"] == 1
    assert typed["cost"]["verdict"]["message"].startswith(
        "The max runtime (1 h) is below the expected runtime's upper end (2 h)"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"hours_low": 5, "hours_high": 3},
            "The expected runtime's upper end (3 h) is below its lower end (5 h).",
        ),
        ({"hours_low": 30, "hours_high": 30}, "the longest allowed is 24 h"),
    ],
)
def test_expected_runtime_mistakes_are_told_in_the_dialogs_words(
    services: UcdhServices, root: Path, body: dict[str, Any], message: str
) -> None:
    # When the dialog and the sidebar estimate get an impossible expected runtime
    verdict = dialog(services, root, instance_type="t3.micro", **body)["cost"]["verdict"]
    with pytest.raises(UcdhError) as refused:
        EstimateRequest.parse({"instance_type": "t3.micro", **body}, 24)
    # Then both say it with the field's label, never the body's field names
    for text in (verdict["message"], refused.value.message):
        assert message in text
        assert "hours_low" not in text and "hours_high" not in text


def test_ucdh_run_prints_the_maximum_with_what_it_counts() -> None:
    # Given a submitted EC2 run of 4 h on a t3.micro at $0.0137/h (disk included)
    run = make_run(instance_type="t3.micro", max_hours=4, rate_usd_per_hour=0.0137)
    # Then %ucdh_run says its maximum as the dialog's Maximum does
    assert run_maximum(run) == (
        "$0.05 (4 h max runtime \u00d7 1 t3.micro at $0.0137/h, disk included)"
    )


@pytest.mark.parametrize(
    ("rate", "text"),
    [(0.096, "$0.096/h"), (0.0832, "$0.0832/h"), (0.768, "$0.768/h"), (12.5, "$12.50/h")],
)
def test_a_rate_in_the_cost_block_reads_as_in_the_instance_table(rate: float, text: str) -> None:
    # The walk found "$0.0960/h" in the dialog for the table's "$0.096" (formatRate).
    assert rate_text(rate) == text
