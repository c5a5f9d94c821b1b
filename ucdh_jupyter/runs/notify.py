"""E-mail when a run ends, through the SNS topic the administrator names.

One topic for everybody (``UcdhConfig.runs_notify_topic_arn``). A user subscribes their
address once; SNS sends them a confirmation link, and until they follow it nothing is
delivered. Each subscription carries a filter policy on the message attribute
``ucdh_owner`` (a hash of the user name, so no name travels in attributes), and every
message is published with its owner's hash: a user's mail reaches only that user.

The server publishes, never the run's machine: the machine runs the researcher's code,
and a notebook able to publish could mail anybody on the topic. A run that ended while
no server was running is told when the server next starts and reads its record (the
record's ``notified_at`` says it was told, so nobody is told twice, and a run that
ended before its owner subscribed is never told).

What a message says is fixed here and holds no notebook name, output, parameter value
or failure text (any of them can quote data): the run id, how it ended, where it ran,
its times, its cost, and a link to JupyterLab when the administrator gives one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UcdhError, bad_request
from ..timefmt import format_duration
from .model import Run, RunState, parse_iso, utcnow
from .policy import money
from .runner import now_iso, sse_args

if TYPE_CHECKING:
    from ..aws import AwsClients
    from ..config import UcdhConfig

# How long a user's choice read from S3 is trusted by this server.
PREFERENCE_SECONDS = 30.0
# The one message attribute subscriptions filter on.
OWNER_ATTRIBUTE = "ucdh_owner"
# An address SNS accepts: one @, a dot in the domain, no spaces or angle brackets.
ADDRESS = re.compile(r"[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;.]{2,}")
HOW_IT_ENDED = {
    RunState.SUCCEEDED: "succeeded",
    RunState.FAILED: "failed",
    RunState.CANCELLED: "was cancelled",
    RunState.EXPIRED: "was stopped at its max runtime",
}
FAILURES = {
    "notebook_error": "a cell of the notebook raised an error",
    "kernel_died": "the notebook's kernel died (often: out of memory)",
    "timeout": "it reached its max runtime",
    "infrastructure": "the machine or its set-up failed",
    "staging": "its files could not be prepared",
}


def owner_key(owner: str) -> str:
    """The value of ``ucdh_owner`` for ``owner``: a hash, so no user name is in SNS."""
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:16]


def notifications_off() -> UcdhError:
    """The 400 of every notification request when the administrator set no topic."""
    return UcdhError(
        400,
        "notifications_not_configured",
        "E-mail when a run ends is not set up on this server.",
        "Ask your administrator to set UcdhConfig.runs_notify_topic_arn to an SNS topic.",
    )


@dataclass
class Preference:
    """A user's choice, kept in the runs bucket under ``notify/<owner key>.json``."""

    address: str
    subscription_arn: str
    # When the user subscribed: runs that ended before are never told.
    since: str


class Notifier:
    """Subscribe a user's address to the topic, and tell them when each run ends."""

    def __init__(self, config: UcdhConfig, aws: AwsClients) -> None:
        self.config = config
        self.aws = aws
        # Owner -> (choice, when read): a server start tells many runs of few owners.
        self._read: dict[str, tuple[Preference | None, float]] = {}
        self._lock = threading.Lock()

    @property
    def topic(self) -> str:
        """The topic's ARN, or the 400 that says it is not set up."""
        if not self.config.runs_notify_topic_arn:
            raise notifications_off()
        return str(self.config.runs_notify_topic_arn)

    @property
    def available(self) -> bool:
        """Whether the administrator set a topic (and a runs bucket to keep choices in)."""
        return bool(self.config.runs_notify_topic_arn and self.config.runs_bucket)

    def _sns(self) -> Any:
        return self.aws.client("sns")

    def _key(self, owner: str) -> str:
        return f"{self.config.runs_prefix}notify/{owner_key(owner)}.json"

    def preference(self, owner: str) -> Preference | None:
        """The owner's choice, or None when they never subscribed (or turned it off);
        read again after :data:`PREFERENCE_SECONDS`, at once after a change here."""
        with self._lock:
            known = self._read.get(owner)
        if known is not None and time.monotonic() - known[1] < PREFERENCE_SECONDS:
            return known[0]
        chosen = self._fetch(owner)
        with self._lock:
            self._read[owner] = (chosen, time.monotonic())
        return chosen

    def _forget(self, owner: str) -> None:
        with self._lock:
            self._read.pop(owner, None)

    def _fetch(self, owner: str) -> Preference | None:
        s3 = self.aws.client("s3")
        try:
            body = s3.get_object(Bucket=self.config.runs_bucket, Key=self._key(owner))["Body"]
        except s3.exceptions.NoSuchKey:
            return None
        data = json.loads(body.read())
        return Preference(**{name: data[name] for name in ("address", "subscription_arn", "since")})

    def status(self, owner: str) -> dict[str, Any]:
        """``{available, address, state}``; state is ``off``, ``pending`` (SNS waits for
        the user to follow the link it mailed them) or ``confirmed``."""
        if not self.available:
            return {"available": False, "address": None, "state": "off"}
        chosen = self.preference(owner)
        if chosen is None:
            return {"available": True, "address": None, "state": "off"}
        return {"available": True, "address": chosen.address, "state": self._state(chosen)}

    def _state(self, chosen: Preference) -> str:
        if not chosen.subscription_arn.startswith("arn:"):
            return "pending"
        sns = self._sns()
        try:
            attributes = sns.get_subscription_attributes(SubscriptionArn=chosen.subscription_arn)
        except sns.exceptions.NotFoundException:
            return "pending"
        pending = attributes["Attributes"].get("PendingConfirmation", "false") == "true"
        return "pending" if pending else "confirmed"

    def confirmed_address(self, owner: str) -> str | None:
        """The owner's address once SNS has it confirmed (so an engine that mails by
        itself, Databricks, never mails an address its owner did not prove theirs)."""
        if not self.available:
            return None
        chosen = self.preference(owner)
        if chosen is None or self._state(chosen) != "confirmed":
            return None
        return chosen.address

    def subscribe(self, owner: str, address: str) -> dict[str, Any]:
        """Subscribe ``address`` for ``owner``'s runs; SNS mails it a confirmation link.
        Subscribing again (another address, or the same to get a new link) replaces it."""
        address = address.strip()
        if len(address) > 254 or not ADDRESS.fullmatch(address):
            raise bad_request(
                "That is not an e-mail address.", "Give one address, e.g. jdoe@hospital.org."
            )
        if not self.available:
            raise notifications_off()
        previous = self.preference(owner)
        # The same address again (for a new confirmation link) keeps when it was asked.
        same = previous is not None and previous.address.lower() == address.lower()
        if previous is not None and not same:
            self._unsubscribe(previous)
        answer = self._sns().subscribe(
            TopicArn=self.topic,
            Protocol="email",
            Endpoint=address,
            Attributes={
                "FilterPolicy": json.dumps({OWNER_ATTRIBUTE: [owner_key(owner)]}),
                "FilterPolicyScope": "MessageAttributes",
            },
            ReturnSubscriptionArn=True,
        )
        since = previous.since if same and previous is not None else now_iso()
        chosen = Preference(address, str(answer.get("SubscriptionArn", "")), since)
        self.aws.client("s3").put_object(
            Bucket=self.config.runs_bucket,
            Key=self._key(owner),
            Body=json.dumps(asdict(chosen)).encode("utf-8"),
            ContentType="application/json",
            **sse_args(self.config.kms_key_id),
        )
        self._forget(owner)
        return self.status(owner)

    def unsubscribe(self, owner: str) -> dict[str, Any]:
        """Stop telling ``owner``; their choice is forgotten."""
        _ = self.topic  # the 400 when no topic is set
        chosen = self.preference(owner)
        if chosen is not None:
            self._unsubscribe(chosen)
            self.aws.client("s3").delete_object(
                Bucket=self.config.runs_bucket, Key=self._key(owner)
            )
            self._forget(owner)
        return self.status(owner)

    def _unsubscribe(self, chosen: Preference) -> None:
        # A subscription still pending has no ARN yet and lapses by itself in 3 days.
        if chosen.subscription_arn.startswith("arn:"):
            sns = self._sns()
            with contextlib.suppress(sns.exceptions.NotFoundException):
                sns.unsubscribe(SubscriptionArn=chosen.subscription_arn)

    # -- telling --------------------------------------------------------------

    def run_ended(self, run: Run) -> bool:
        """Tell the run's owner that it ended, if they asked before it ended; whether a
        message went out (the service then records ``notified_at``)."""
        if not self.available or not run.final or run.mailed_by:
            return False
        chosen = self.preference(run.owner)
        ended = parse_iso(run.ended_at) or utcnow()
        since = parse_iso(chosen.since) if chosen else None
        if chosen is None or since is None or ended < since:
            return False
        subject, message = self.message(run)
        self._sns().publish(
            TopicArn=self.topic,
            Subject=subject,
            Message=message,
            MessageAttributes={
                OWNER_ATTRIBUTE: {"DataType": "String", "StringValue": owner_key(run.owner)}
            },
        )
        return True

    def message(self, run: Run) -> tuple[str, str]:
        """The subject and text of the e-mail about ``run`` (no notebook name, output,
        parameter value or failure text)."""
        how = HOW_IT_ENDED.get(run.state, run.state.value.lower())
        what = f"run {run.id}"
        if run.kind == "sweep":
            what = f"sweep {run.id} of {run.size} runs"
        elif run.schedule_id:
            what = f"scheduled run {run.id}"
        subject = f"ucdh-jupyter: your {what} {how}"
        lines = [f"Your notebook {what} {how}."]
        if run.kind == "sweep":
            counts = ", ".join(f"{n} {state}" for state, n in run.child_counts.items() if n)
            lines.append(f"Its runs: {counts or 'none started'}.")
        if run.schedule_id:
            lines.append(f"It was started by your schedule {run.schedule_id}.")
        if run.state is RunState.FAILED and run.failure_kind is not None:
            why = FAILURES.get(run.failure_kind.value, run.failure_kind.value)
            cell = f" (cell {run.failing_cell + 1})" if run.failing_cell is not None else ""
            lines.append(f"Why: {why}{cell}.")
        machines = f"{run.count} {run.instance_type}" if run.instance_type else "serverless"
        lines.append(f"Where: {run.backend}, {machines}.")
        start, end = parse_iso(run.started_at), parse_iso(run.ended_at)
        if start is not None and end is not None:
            lines.append(
                f"Machine time: {format_duration((end - start).total_seconds())}, from"
                f" {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC."
            )
        cost = run.cost_final_usd
        lines.append(f"Cost: {money(cost) if cost is not None else 'unknown (no price known)'}.")
        if self.config.runs_notify_jupyter_url:
            base = str(self.config.runs_notify_jupyter_url).rstrip("/")
            lines.append(f"Open it in JupyterLab: {base}/lab?ucdh-run={run.id}")
        lines.append(
            "In JupyterLab's Runs section, Open result copies the executed notebook next to yours."
        )
        lines.append(
            "You get this e-mail because you asked ucdh-jupyter to tell you when your runs"
            " end; turn it off in the Runs section."
        )
        return subject, "\n".join(lines)
