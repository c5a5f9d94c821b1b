"""E-mail when a run ends: one SNS topic, each user's address filtered on them, each run
told once, and nothing of the notebook's content in the message."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from IPython.core.error import UsageError

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.model import FailureKind, Run, RunState, iso, new_run_id, utcnow
from ucdh_jupyter.runs.notify import Notifier, owner_key
from ucdh_jupyter.runs.service import RunService

from ..conftest import NotebookKernel
from .helpers import make_run, new_topic, sent

JUPYTER = "https://jupyter.hospital.example/user/jdoe/"


@pytest.fixture
def topic(local_aws: LocalAws, run_settings: dict[str, Any], aws_env: dict[str, str]) -> str:
    arn = new_topic(local_aws)
    run_settings["runs_notify_topic_arn"] = arn
    run_settings["runs_notify_jupyter_url"] = JUPYTER
    return arn


@pytest.fixture
def notifier(topic: str, run_config: UcdhConfig) -> Notifier:
    return Notifier(run_config, AwsClients(run_config))


def ended(service: RunService, state: RunState, ended_at: Any = None, **fields: Any) -> Run:
    """A run that ran for 12 minutes and reached ``state``, saved as the service saves."""
    run = make_run(**fields)
    location = service.records.location(run.id)
    run.bucket, run.prefix = location.bucket, location.prefix
    run.rate_usd_per_hour = 0.1
    finish = ended_at or utcnow()
    run.started_at = iso(finish - timedelta(minutes=12))
    run.ended_at = iso(finish)
    path = [RunState.SUBMITTED, RunState.PROVISIONING, RunState.RUNNING]
    path += [RunState.CANCELLING] if state is RunState.CANCELLED else []
    for target in [*path, state]:
        run.move_to(target, now=finish, failure_kind=FailureKind.NOTEBOOK_ERROR)
    assert run.final
    return run


def test_a_user_subscribes_once_with_a_filter_on_them_and_a_new_address_replaces_the_old(
    notifier: Notifier, topic: str, local_aws: LocalAws
) -> None:
    sns = boto3.client("sns", endpoint_url=local_aws.endpoint_url, region_name=DEMO_REGION)
    # Given no choice yet
    assert notifier.status("jdoe") == {"available": True, "address": None, "state": "off"}
    # When jdoe gives an address
    answer = notifier.subscribe("jdoe", " jdoe@hospital.example ")
    # Then SNS has it subscribed with a filter on jdoe's key only (the local SNS confirms
    # at once; AWS waits for the link it mails, "pending" until then)
    assert answer["address"] == "jdoe@hospital.example"
    assert answer["state"] in ("pending", "confirmed")
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subscription["Endpoint"] == "jdoe@hospital.example"
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    assert json.loads(attributes["Attributes"]["FilterPolicy"]) == {
        "ucdh_owner": [owner_key("jdoe")]
    }
    assert owner_key("jdoe") != owner_key("asmith") and "jdoe" not in owner_key("jdoe")
    # When jdoe gives another address, the first is unsubscribed
    notifier.subscribe("jdoe", "j.doe@hospital.example")
    endpoints = [
        s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    ]
    assert endpoints == ["j.doe@hospital.example"]
    # And turning it off removes the subscription and the choice
    assert notifier.unsubscribe("jdoe")["state"] == "off"
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_what_is_no_address_or_no_topic_is_a_400_that_says_what_to_do(
    notifier: Notifier, run_settings: dict[str, Any]
) -> None:
    for wrong in ("jdoe", "jdoe@hospital", "a@b.c d@e.fg", "<jdoe@hospital.example>", ""):
        with pytest.raises(UcdhError) as refused:
            notifier.subscribe("jdoe", wrong)
        assert refused.value.status == 400 and "e-mail address" in refused.value.message
    unset = Notifier(UcdhConfig(**{**run_settings, "runs_notify_topic_arn": None}), notifier.aws)
    assert unset.status("jdoe") == {"available": False, "address": None, "state": "off"}
    with pytest.raises(UcdhError) as refused:
        unset.subscribe("jdoe", "jdoe@hospital.example")
    assert refused.value.code == "notifications_not_configured"
    assert "UcdhConfig.runs_notify_topic_arn" in refused.value.hint


def test_a_run_that_ends_is_mailed_once_to_its_owner_without_the_notebooks_content(
    notifier: Notifier, topic: str, run_config: UcdhConfig
) -> None:
    # Given jdoe asked to be told, and a service that tells
    notifier.subscribe("jdoe", "jdoe@hospital.example")
    service = RunService.from_config(run_config, notifier.aws, notify=notifier.run_ended)
    # When a run of a notebook whose name, parameters and error quote a patient fails
    run = ended(
        service,
        RunState.FAILED,
        owner="jdoe",
        notebook_path="study/patient-0042.ipynb",
        parameters={"patient_id": "P-0042"},
    )
    run.failure_message = "KeyError: 'P-0042'"
    run.failing_cell = 3
    service._save(run)
    # Then one message went out, addressed (by its attribute) to jdoe alone
    (mail,) = sent(topic)
    assert mail["attributes"] == {"ucdh_owner": {"Type": "String", "Value": owner_key("jdoe")}}
    assert mail["subject"] == f"ucdh-jupyter: your run {run.id} failed"
    text = mail["message"]
    # saying how it ended, where, for how long, what it cost, and where to look
    assert "Why: a cell of the notebook raised an error (cell 4)." in text
    assert "Where: ec2, 1 t3.micro." in text
    assert "Machine time: 12 min 00 s" in text
    assert "Cost: $0.02." in text
    assert f"{JUPYTER}lab?ucdh-run={run.id}" in text
    # and nothing of the notebook: no name, no parameter value, no failure text
    for secret in ("patient-0042", "P-0042", "KeyError", "patient_id", "study/"):
        assert secret not in text and secret not in mail["subject"]
    # And the record says it was told, so saving it again, or a restart, tells nobody again
    recorded = service.records.read(run.id)
    assert recorded is not None and recorded.notified_at is not None
    service._save(service.get(run.id))
    service.close()
    again = RunService.from_config(run_config, notifier.aws, notify=notifier.run_ended)
    again.rebuild()
    assert len(sent(topic)) == 1
    again.close()


def test_a_sweep_and_a_scheduled_run_say_what_they_were_and_never_a_parameter_value(
    notifier: Notifier, topic: str, run_config: UcdhConfig
) -> None:
    notifier.subscribe("jdoe", "jdoe@hospital.example")
    service = RunService.from_config(run_config, notifier.aws, notify=notifier.run_ended)
    rows = [{"site": "P-0042"}, {"site": "P-0043"}, {"site": "P-0044"}]
    sweep = ended(service, RunState.FAILED, owner="jdoe", kind="sweep", sweep_rows=rows)
    sweep.child_counts = {"pending": 0, "running": 0, "succeeded": 2, "failed": 1, "cancelled": 0}
    service._save(sweep)
    scheduled = ended(service, RunState.SUCCEEDED, owner="jdoe", schedule_id=new_run_id())
    service._save(scheduled)
    first, second = sent(topic)
    assert first["subject"] == f"ucdh-jupyter: your sweep {sweep.id} of 3 runs failed"
    assert "Its runs: 2 succeeded, 1 failed." in first["message"]
    assert "P-004" not in first["message"] and "site" not in first["message"]
    assert second["subject"] == f"ucdh-jupyter: your scheduled run {scheduled.id} succeeded"
    assert f"started by your schedule {scheduled.schedule_id}" in second["message"]
    service.close()


def test_runs_that_ended_with_no_server_running_are_told_at_the_next_start_if_asked_for(
    notifier: Notifier, topic: str, run_config: UcdhConfig
) -> None:
    # Given a run that ended before jdoe subscribed, a run of asmith (who never did), and
    # one that ended after jdoe subscribed, all recorded by a server that told nobody
    quiet = RunService.from_config(run_config, notifier.aws)
    before = ended(quiet, RunState.SUCCEEDED, owner="jdoe", ended_at=utcnow() - timedelta(hours=2))
    quiet._save(before)
    notifier.subscribe("jdoe", "jdoe@hospital.example")
    other = ended(quiet, RunState.SUCCEEDED, owner="asmith")
    after = ended(quiet, RunState.CANCELLED, owner="jdoe", ended_at=utcnow() + timedelta(seconds=1))
    quiet._save(other)
    quiet._save(after)
    quiet.close()
    # When a server that tells starts and reads the records
    service = RunService.from_config(run_config, notifier.aws, notify=notifier.run_ended)
    service.rebuild()
    # Then only the run that ended after jdoe asked is mailed, once
    (mail,) = sent(topic)
    assert mail["subject"] == f"ucdh-jupyter: your run {after.id} was cancelled"
    recorded = service.records.read(after.id)
    assert recorded is not None and recorded.notified_at is not None
    # and the records of runs nobody was told about are left as they were
    for untold in (before, other):
        kept = service.records.read(untold.id)
        assert kept is not None and kept.notified_at is None
    service.rebuild()
    assert len(sent(topic)) == 1
    service.close()


def test_a_failing_topic_never_breaks_the_run_and_is_tried_again_at_the_next_start(
    notifier: Notifier, topic: str, run_config: UcdhConfig, local_aws: LocalAws
) -> None:
    notifier.subscribe("jdoe", "jdoe@hospital.example")
    sns = boto3.client("sns", endpoint_url=local_aws.endpoint_url, region_name=DEMO_REGION)
    service = RunService.from_config(run_config, notifier.aws, notify=notifier.run_ended)
    # Given the topic is gone (deleted by mistake)
    sns.delete_topic(TopicArn=topic)
    run = ended(service, RunState.SUCCEEDED, owner="jdoe")
    # When the run ends, it is saved as ever, and the record says nobody was told
    service._save(run)
    recorded = service.records.read(run.id)
    assert recorded is not None and recorded.state is RunState.SUCCEEDED
    assert recorded.notified_at is None
    service.close()
    # And once the topic is back, the next start tells jdoe
    assert sns.create_topic(Name=topic.rsplit(":", 1)[1])["TopicArn"] == topic
    restarted = RunService.from_config(run_config, notifier.aws, notify=notifier.run_ended)
    restarted.rebuild()
    assert [mail["subject"] for mail in sent(topic)] == [
        f"ucdh-jupyter: your run {run.id} succeeded"
    ]
    restarted.close()


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], topic: str) -> dict[str, Any]:
    """The server's settings: runs on the local AWS, with the run-end topic."""
    return run_settings


async def test_the_routes_turn_mail_on_and_off_and_refuse_what_is_no_address(
    ucdh_request: Any, topic: str, local_aws: LocalAws
) -> None:
    sns = boto3.client("sns", endpoint_url=local_aws.endpoint_url, region_name=DEMO_REGION)
    # Given a server whose administrator set a topic: the config says mail can be had
    status, config = await ucdh_request("GET", "config")
    assert status == 200 and config["runs"]["notifications"] is True
    status, answer = await ucdh_request("GET", "runs/notifications")
    assert (status, answer) == (200, {"available": True, "address": None, "state": "off"})
    # When the user gives an address, it is subscribed for them
    status, answer = await ucdh_request(
        "PUT", "runs/notifications", {"address": "jdoe@hospital.example"}
    )
    assert status == 200 and answer["address"] == "jdoe@hospital.example"
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subscription["Endpoint"] == "jdoe@hospital.example"
    # What is no address, or no string, is a 400 that changes nothing
    for body, said in (
        ({"address": "jdoe"}, "not an e-mail address"),
        ({"address": ["jdoe@hospital.example"]}, "address: a string"),
        ({"address": "a@b.org", "cc": "x@y.org"}, "cc: not a field"),
    ):
        status, answer = await ucdh_request("PUT", "runs/notifications", body)
        assert status == 400 and said in answer["message"], answer
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1
    # And turning it off removes the subscription
    status, answer = await ucdh_request("DELETE", "runs/notifications")
    assert (status, answer["state"]) == (200, "off")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_an_address_not_yet_confirmed_is_pending_and_given_to_no_engine(
    notifier: Notifier, run_config: UcdhConfig
) -> None:
    # Given jdoe's choice while SNS still waits for the link to be followed (AWS gives no
    # subscription ARN until then; the local SNS confirms at once, so it is written here)
    s3 = notifier.aws.client("s3")
    s3.put_object(
        Bucket=run_config.runs_bucket,
        Key=f"{run_config.runs_prefix}notify/{owner_key('jdoe')}.json",
        Body=json.dumps(
            {
                "address": "jdoe@hospital.example",
                "subscription_arn": "pending confirmation",
                "since": "2026-12-06T08:00:00Z",
            }
        ).encode(),
    )
    # Then the Runs section says it waits, and no engine (Databricks) is given the address
    assert notifier.status("jdoe") == {
        "available": True,
        "address": "jdoe@hospital.example",
        "state": "pending",
    }
    assert notifier.confirmed_address("jdoe") is None
    # Once confirmed (the local SNS confirms on subscribing), the address is given
    notifier.subscribe("jdoe", "jdoe@hospital.example")
    assert notifier.confirmed_address("jdoe") == "jdoe@hospital.example"


async def test_ucdh_notify_shows_sets_and_stops_run_end_mail_from_a_cell(
    kernel: NotebookKernel, topic: str, local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    sns = boto3.client("sns", endpoint_url=local_aws.endpoint_url, region_name=DEMO_REGION)
    # Given a notebook of a user without mail
    await kernel.magic("ucdh_notify")
    assert "E-mail when a run ends: off." in capsys.readouterr().out
    # When they give an address (a trailing comment is no argument)
    await kernel.magic("ucdh_notify", "jdoe@hospital.example   # my work address")
    # Then it is subscribed, as from the Runs section (the local SNS confirms at once)
    assert "on, to jdoe@hospital.example" in capsys.readouterr().out
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subscription["Endpoint"] == "jdoe@hospital.example"
    # What is no address is the server's 400, as one line
    with pytest.raises(UsageError, match="not an e-mail address"):
        await kernel.magic("ucdh_notify", "jdoe")
    # And off stops it
    await kernel.magic("ucdh_notify", "off")
    assert "E-mail when a run ends: off." in capsys.readouterr().out
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
