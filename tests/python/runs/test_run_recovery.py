"""Nothing is lost across restarts, and no machine outlives its deadline."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.ec2 import LocalEc2Backend
from ucdh_jupyter.periodic import start_runs
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.model import FailureKind, Run, RunState, iso, new_run_id, utcnow
from ucdh_jupyter.runs.reaper import reap
from ucdh_jupyter.runs.registry import backend_class
from ucdh_jupyter.runs.service import RunService

from .helpers import instance, make_run


def _recorded(service: RunService, state: RunState, **fields: Any) -> Run:
    """A run that reached ``state``, saved like the service saves runs."""
    run = make_run(**fields)
    location = service.records.location(run.id)
    run.bucket, run.prefix = location.bucket, location.prefix
    for target in (RunState.SUBMITTED, RunState.PROVISIONING, state):
        if run.state is not target and run.can_move_to(target):
            run.move_to(target, failure_kind=FailureKind.NOTEBOOK_ERROR)
    service._save(run)
    return run


def _staged_only(service: RunService) -> str:
    """A run id whose inputs were staged here but whose record was never written."""
    run_id = new_run_id()
    service.records.put(run_id, protocol.MANIFEST_KEY, b"{}", "application/json")
    return run_id


def _launch(ec2: Any, tags: dict[str, str]) -> str:
    reply = ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": key, "Value": value} for key, value in tags.items()],
            }
        ],
    )
    return str(reply["Instances"][0]["InstanceId"])


def _managed(run_id: str, deadline: str | None) -> dict[str, str]:
    return {
        "ucdh:run-id": run_id,
        "ucdh:owner": "researcher",
        "ucdh:deadline": str(deadline),
        "ucdh:managed": "true",
    }


def _state(ec2: Any, instance_id: str) -> str:
    return str(instance(ec2, instance_id)["State"]["Name"])


def test_deleted_store_is_rebuilt_from_s3_with_nothing_lost(
    run_config: Any, run_service: RunService
) -> None:
    # Given runs in several states, recorded in S3 and cached locally
    _recorded(run_service, RunState.SUCCEEDED, parameters={"alpha": 0.2}, files=["data/x.csv"])
    _recorded(run_service, RunState.FAILED)
    _recorded(run_service, RunState.CANCELLING)
    before = {run.id: run.to_json() for run in run_service.list_runs()}
    assert len(before) == 3
    # When the store file is deleted and the server starts again
    run_service.store.close()
    Path(run_config.runs_store_path).unlink()
    restarted = RunService.from_config(run_config, run_service.aws)
    run_service.store = restarted.store
    assert restarted.list_runs() == []
    restarted.rebuild()
    # Then every run is back, field for field, newest first
    after = restarted.list_runs()
    assert {run.id: run.to_json() for run in after} == before
    assert [run.id for run in after] == sorted(before, reverse=True)


def test_instance_whose_record_was_lost_is_found_again_from_its_tags(
    run_service: RunService, ec2: Any
) -> None:
    # Given a live instance of a run staged here whose record was never written,
    # and a live instance of another server's run
    run_id, foreign_id = _staged_only(run_service), new_run_id()
    deadline = iso(utcnow() + timedelta(hours=1))
    ours = _launch(ec2, _managed(run_id, deadline))
    theirs = _launch(ec2, _managed(foreign_id, deadline))
    try:
        # When the store is rebuilt
        run_service.rebuild()
        # Then our run is listed, with its instance, owner and deadline; theirs is not
        run = run_service.get(run_id)
        assert run.instance_id == ours
        assert run.owner == "researcher" and run.deadline == deadline
        assert not run.final
        assert foreign_id not in {run.id for run in run_service.list_runs()}
    finally:
        ec2.terminate_instances(InstanceIds=[ours, theirs])


def test_reaper_terminates_overdue_managed_instances_only_and_expires_their_runs(
    run_service: RunService, ec2: Any
) -> None:
    # Given a running run past its deadline, one within it, and an unmanaged instance
    past, future = iso(utcnow() - timedelta(minutes=5)), iso(utcnow() + timedelta(hours=1))
    overdue_run = _recorded(run_service, RunState.RUNNING)
    overdue = _launch(ec2, _managed(overdue_run.id, past))
    on_time = _launch(ec2, _managed(new_run_id(), future))
    unmanaged = _launch(ec2, {"ucdh:deadline": str(past), "Name": "someone else's"})
    try:
        # When the reaper sweeps
        reaped = reap(run_service)
        # Then only the overdue managed instance is terminated and its run EXPIRED
        assert overdue in reaped
        assert on_time not in reaped and unmanaged not in reaped
        assert _state(ec2, overdue) == "terminated"
        assert _state(ec2, on_time) == "running" and _state(ec2, unmanaged) == "running"
        expired = run_service.get(overdue_run.id)
        assert expired.state is RunState.EXPIRED
        assert run_service.records.read(overdue_run.id) == expired
    finally:
        ec2.terminate_instances(InstanceIds=[on_time, unmanaged])


def test_server_start_rebuilds_then_reaps_an_instance_overdue_while_it_was_down(
    run_config: Any, run_service: RunService, ec2: Any
) -> None:
    # Given an instance that passed its deadline while no Jupyter server was running
    run_id = _staged_only(run_service)
    overdue = _launch(ec2, _managed(run_id, iso(utcnow() - timedelta(minutes=1))))
    services = SimpleNamespace(
        config=run_config, runs=run_service, executor=ThreadPoolExecutor(max_workers=2)
    )
    # When the server starts its background sweeps
    callbacks = start_runs(services)  # type: ignore[arg-type]
    try:
        give_up = time.monotonic() + 15
        while _state(ec2, overdue) != "terminated" and time.monotonic() < give_up:
            time.sleep(0.1)
        services.executor.shutdown(wait=True)
        # Then the instance is terminated at once and its run listed as EXPIRED
        assert _state(ec2, overdue) == "terminated"
        assert run_service.get(run_id).state is RunState.EXPIRED
    finally:
        for callback in callbacks:
            callback.stop()


def test_the_demos_machines_run_ec2_runs_only_in_local_mode(
    run_config: Any, run_service: RunService
) -> None:
    # Given the local mode of the demo and the tests: EC2 runs boot on this host
    assert isinstance(run_service.backend("ec2"), LocalEc2Backend)
    # When an administrator's server (mode 'aws') picks its backends
    production = UcdhConfig(mode="aws")
    # Then its EC2 runs go to the real EC2 backend, and the stand-in refuses to exist there
    assert backend_class(production, "ec2") is Ec2Backend
    with pytest.raises(ValueError, match="local"):
        LocalEc2Backend(production, run_service.aws, run_service.records)


def test_servers_on_different_run_locations_keep_separate_local_stores(
    run_config: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    # Given two servers of one OS user with no explicit store path
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    run_config.runs_store_path = None
    first = RunService.from_config(run_config, SimpleNamespace())
    run_config.runs_prefix = "another-study/"
    second = RunService.from_config(run_config, SimpleNamespace())
    run_config.runs_prefix = "another-study/"
    again = RunService.from_config(run_config, SimpleNamespace())
    # Then each runs location has its own cache file, and the same location shares one
    assert first.store.path != second.store.path
    assert second.store.path == again.store.path
    assert first.store.path.parent == tmp_path / "ucdh_jupyter"
