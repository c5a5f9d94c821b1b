"""The run service: what handlers, magics and widgets call to submit and follow runs.

No tornado here; every method blocks (boto3) and is meant for the worker pool.
Runs are saved to the local store at every change and to their S3 record at every
state change, so the record stays the source of truth across restarts.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..aws import AwsClients
from ..config import UcdhConfig
from ..databricks_client import DatabricksClient
from ..errors import UcdhError, bad_request, forbidden, log_unexpected, translate
from ..wording import plural
from . import runner as protocol
from .backend import BackendParts, RunBackend
from .environment import EnvironmentCache, EnvironmentSpec
from .images import image_description, images_preview
from .model import FailureKind, Run, RunState, check_run_id, iso, new_run_id, utcnow
from .notebook import check_parameters, load_notebook, notebook_language, notebook_parameters
from .policy import CostPolicy
from .records import RUN_HTML_KEY, RunRecords
from .registry import backend_class, backend_names
from .results import copy_results, no_output, result_stem
from .staging import check_sizes, select_files, sibling_files, stage
from .store import RunStore, default_store_path, rebuild
from .sweep import children_csv, close_children, sweep_deadline_hours, sweep_rows
from .tracking import apply_observation
from .wheels import package_source

log = logging.getLogger(__name__)

# Always fullmatch: with "^...$", "m5.large\n" would pass ("$" matches before a final newline).
INSTANCE_TYPE = re.compile(r"[a-z0-9-]+\.[a-z0-9-]+")


def check_instance_type(value: Any) -> str:
    """An instance (or node) type such as ``m5.xlarge`` from a request body, or a 400."""
    if not isinstance(value, str) or not INSTANCE_TYPE.fullmatch(value):
        raise bad_request("instance_type must be an instance type such as m5.xlarge.")
    return value


@dataclass
class RunRequest:
    """What a user asks for when submitting a run."""

    notebook_path: str
    instance_type: str
    max_hours: float | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    include_sensitive: bool = False
    backend: str = "ec2"
    count: int = 1
    run_id: str | None = None
    workers: int | None = None
    cluster_mode: str | None = None
    # A sweep: its rows or grid as asked (expanded and checked at submit), most at once.
    sweep_rows: list[dict[str, Any]] | None = None
    sweep_grid: dict[str, list[Any]] | None = None
    parallelism: int | None = None
    # Fired by a schedule with Jupyter closed (EC2 family: as an AWS Batch job).
    scheduled: bool = False

    @property
    def sweep(self) -> bool:
        """Whether this asks for a parameter sweep."""
        return self.sweep_rows is not None or self.sweep_grid is not None

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> RunRequest:
        """Validate a JSON body (route or magic) into a request, or a 400 naming the field.

        Types are strict (see :mod:`.requests`); then the rules a type cannot say.
        """
        from ..contract import parse
        from .models import RunBody

        fields = parse(RunBody, dict(body))
        if not fields.notebook_path.endswith(".ipynb"):
            raise bad_request("notebook_path must be the path of an .ipynb file.")
        backend = fields.backend or "ec2"
        mode = fields.cluster_mode if backend == "databricks" else None
        # Serverless and existing clusters have no node type: the run does not size them.
        itype = "" if mode in ("serverless", "existing_cluster") else fields.instance_type
        return cls(
            notebook_path=fields.notebook_path,
            instance_type=itype if itype == "" else check_instance_type(itype),
            max_hours=fields.max_hours,
            parameters=dict(fields.parameters or {}),
            files=list(fields.files or []),
            include_sensitive=fields.include_sensitive,
            backend=backend,
            count=fields.count,
            run_id=check_run_id(fields.run_id) if fields.run_id is not None else None,
            workers=fields.workers,
            cluster_mode=mode,
            sweep_rows=fields.sweep.rows if fields.sweep else None,
            sweep_grid=fields.sweep.grid if fields.sweep else None,
            parallelism=fields.sweep.parallelism if fields.sweep else None,
        )


def notebook_file(root_dir: str | Path, notebook_path: str) -> Path:
    """The notebook's file under the Jupyter root, refusing paths that leave it."""
    root = Path(root_dir).resolve()
    path = (root / notebook_path.lstrip("/")).resolve()
    if root not in path.parents or path.suffix != ".ipynb":
        raise bad_request(f"{notebook_path!r} is not a notebook inside the Jupyter root.")
    return path


class RunService:
    """Submits, follows, cancels and recovers runs for every backend."""

    def __init__(
        self,
        config: UcdhConfig,
        aws: AwsClients,
        store: RunStore,
        *,
        policy: CostPolicy | None = None,
        databricks: DatabricksClient | None = None,
        on_event: Callable[[Run], None] | None = None,
        notify: Callable[[Run], bool] | None = None,
        mail_to: Callable[[str], str | None] | None = None,
    ) -> None:
        self.config = config
        self.aws = aws
        self.store = store
        self.databricks = databricks or DatabricksClient(config, aws)
        # Prices, the admin's allowed types, runtime and budget rules: one object, which
        # the run dialog's verdict asks too.
        self.policy = policy or CostPolicy(config)
        # Called with the run after each recorded save (the audit log's run events).
        self.on_event = on_event
        # Tells a run's owner that it ended, when they asked (notify.Notifier.run_ended);
        # True when a message went out, recorded as the run's notified_at.
        self.notify = notify
        # The owner's confirmed address, for engines that mail a run's end themselves.
        self.mail_to = mail_to
        self._records: RunRecords | None = None
        self._backends: dict[str, RunBackend] = {}
        self._locks: dict[str, threading.Lock] = {}
        # One lock per owner around "check the caps, record the run": concurrent submits
        # of one user cannot all pass the check before any of them is counted.
        self._owner_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        # Environments (pins, the run's Python) of the run dialog, reused at submit.
        self.environments = EnvironmentCache()

    @classmethod
    def from_config(
        cls,
        config: UcdhConfig,
        aws: AwsClients,
        databricks: DatabricksClient | None = None,
        *,
        policy: CostPolicy | None = None,
        on_event: Callable[[Run], None] | None = None,
        notify: Callable[[Run], bool] | None = None,
        mail_to: Callable[[str], str | None] | None = None,
    ) -> RunService:
        """The service with the configured (or default) store; makes no AWS call."""
        location = "|".join(
            str(part or "")
            for part in (config.endpoint_url, config.region, config.runs_bucket, config.runs_prefix)
        )
        store = RunStore(config.runs_store_path or default_store_path(location))
        return cls(
            config,
            aws,
            store,
            policy=policy,
            databricks=databricks,
            on_event=on_event,
            notify=notify,
            mail_to=mail_to,
        )

    # -- parts ----------------------------------------------------------------

    @property
    def records(self) -> RunRecords:
        """The S3 run records; a 400 naming the setting when no runs bucket is set."""
        if not self.config.runs_bucket:
            raise UcdhError(
                400,
                "runs_not_configured",
                "No runs bucket is configured, so notebooks cannot be run elsewhere.",
                "Ask your administrator to set UcdhConfig.runs_bucket.",
            )
        with self._guard:
            if self._records is None:
                self._records = RunRecords(
                    self.aws.client("s3"),
                    self.config.runs_bucket,
                    self.config.runs_prefix,
                    self.config.kms_key_id,
                )
            return self._records

    @property
    def parts(self) -> BackendParts:
        """What a backend builds itself from."""
        mail_to = self.mail_to or (lambda owner: None)
        return BackendParts(self.config, self.aws, self.databricks, lambda: self.records, mail_to)

    def backend(self, name: str) -> RunBackend:
        """The backend called ``name`` in ``UcdhConfig.run_backends`` (built on first
        use); a 400 when unknown, or when it says it cannot run here."""
        with self._guard:
            built = self._backends.get(name)
        if built is not None:
            return built  # every refresh asks: no config file is read again
        cls = backend_class(self.config, name)
        problem = cls.unavailable(self.parts)
        if problem is not None:
            raise problem
        # Built outside the guard (its records take it); of two racing builds, one is kept.
        backend = cls.create(self.parts)
        with self._guard:
            return self._backends.setdefault(name, backend)

    def available_backends(self) -> list[str]:
        """The configured backends that say they can run here (Databricks needs a
        workspace)."""
        return [
            name
            for name in backend_names(self.config)
            if backend_class(self.config, name).unavailable(self.parts) is None
        ]

    def _lock(self, run_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(run_id, threading.Lock())

    def _owner_lock(self, owner: str) -> threading.Lock:
        with self._guard:
            return self._owner_locks.setdefault(owner, threading.Lock())

    def _save(self, run: Run, record: bool = True) -> None:
        # The S3 record first, then the store: the store (a cache of the records) never
        # holds a state whose record could not be written.
        if record:
            self.records.write(run)
        self.store.put(run)
        if record and self.on_event is not None:
            self.on_event(run)
        if record:
            self._tell(run)

    def _tell(self, run: Run) -> None:
        """Tell the owner of a run that just ended, once (recorded as ``notified_at``);
        a failure to tell is logged (without the run's content) and tried again at the
        next start. Nothing is written for a run whose owner did not ask."""
        if self.notify is None or not run.final or run.notified_at is not None:
            return
        try:
            told = self.notify(run)
        except Exception as exc:  # a mail must never break a run's bookkeeping
            log_unexpected(log, exc, f"could not tell the owner of run {run.id} it ended")
            return
        if told:
            run.notified_at = iso(utcnow())
            self._save(run)  # told once: _save asks again, and finds notified_at set

    # -- the run dialog -------------------------------------------------------

    def prepare(self, notebook_path: str, root_dir: str | Path) -> dict[str, Any]:
        """What the run dialog shows before submitting: parameters, files, environment."""
        path = notebook_file(root_dir, notebook_path)
        notebook = load_notebook(path)
        # Always read afresh here (a package installed since shows); the submit reuses it.
        environment = self.environment(path, notebook, reuse=False)
        return {
            "notebook_path": notebook_path,
            "parameters": notebook_parameters(notebook),
            "files": [choice.to_json() for choice in sibling_files(path)],
            "environment": environment.to_json(),
            # The Python the machine installs: the kernel's, or why another one.
            "python": environment.python.to_json(),
            "default_max_hours": self.config.runs_default_max_hours,
            "max_hours_cap": self.config.max_runtime_hours,
            "budget_usd": self.config.runs_budget_per_run_usd,
            "max_files_mb": self.config.runs_max_files_mb,
            "new_run_id": new_run_id(),
            # Which image the machine boots, from the config alone (no AWS call).
            "images": images_preview(self.config),
            # Where its packages come from (CodeArtifact, an index, the S3 wheel cache, PyPI).
            "package_source": package_source(self.config),
        }

    def environment(
        self, path: Path, notebook: dict[str, Any], reuse: bool = True
    ) -> EnvironmentSpec:
        """What the run installs, with the run's Python (cached for the next submit)."""
        image = image_description(self.config, 0)["name"]
        image = "the" + image[3:] if image.startswith("The ") else image
        pythons = list(self.config.runs_image_pythons)
        return self.environments.compute(path, notebook, pythons, image, reuse=reuse)

    def _check_limits(
        self, request: RunRequest, owner: str, caps: bool = True
    ) -> tuple[float, float | None]:
        """Max hours and hourly rate, after every admin limit and the cost policy
        (the owner's caps included unless ``caps`` is off: a schedule's fires are
        checked against the monthly cap by the schedule service); nothing is created
        before."""
        if not self.config.enable_runs:
            raise forbidden("Running notebooks elsewhere is turned off here.")
        if request.backend == "ec2" and request.count != 1:
            raise bad_request("An EC2 run uses exactly one machine.")
        if request.backend == "databricks":
            self._check_databricks(request)
        # Existing clusters and serverless are not sized (nor billed per node) here.
        sized = request.cluster_mode in (None, "new_cluster")
        rate = self.policy.rate(request.backend, request.instance_type) if sized else None
        size = self._sweep_size(request)
        if not caps:
            hours = self.policy.hours(request.backend, request.max_hours)
            instance_type = request.instance_type if sized else ""
            self.policy.check_budget(instance_type, rate, request.count, hours, size)
            return hours, rate
        hours = self.policy.check(
            backend=request.backend,
            # Unsized compute has no type to name in a refusal (see policy.unpriced).
            instance_type=request.instance_type if sized else "",
            rate=rate,
            count=request.count,
            requested_hours=request.max_hours,
            owner_runs=self.store.list(owner=owner),
            size=size,
        )
        return hours, rate

    def _sweep_size(self, request: RunRequest) -> int:
        """A sweep's rows, expanded from its grid and within the admin's limits (kept on
        the request); 1 for a single run."""
        if not request.sweep:
            return 1
        limits = self.config
        request.sweep_rows = sweep_rows(
            request.sweep_rows, request.sweep_grid, limits.runs_sweep_max_size
        )
        request.sweep_grid = None
        most = limits.runs_sweep_max_parallel
        asked = request.parallelism or most
        if asked > most:
            raise bad_request(
                f"A sweep may run at most {most} {'child' if most == 1 else 'children'} at "
                "once here; "
                f"{asked} were asked for.",
                "Ask for fewer at once (UcdhConfig.runs_sweep_max_parallel).",
            )
        request.parallelism = min(asked, len(request.sweep_rows))
        return len(request.sweep_rows)

    def engine(self, request: RunRequest) -> str:
        """The backend that executes ``request``: an EC2 sweep, or a run a schedule
        fires, runs on AWS Batch."""
        batch = request.sweep or request.scheduled
        return "batch" if batch and request.backend == "ec2" else request.backend

    def _check_databricks(self, request: RunRequest) -> None:
        """Admin limits of Databricks runs; sets the machines billed (workers + driver)."""
        config = self.config
        modes = list(config.databricks_cluster_modes)
        request.cluster_mode = request.cluster_mode or modes[0]
        if request.cluster_mode not in modes:
            mode = request.cluster_mode.replace("_", " ")
            raise forbidden(
                f"Databricks runs on {mode} are not allowed here.",
                f"Allowed: {', '.join(mode.replace('_', ' ') for mode in modes)}.",
            )
        if request.files:
            raise bad_request(
                "A Databricks run takes the notebook only; files cannot be sent along.",
                "Read data from S3 or the Databricks workspace in the notebook instead.",
            )
        if request.cluster_mode != "new_cluster":
            # Shown where a node type would be: "serverless", "existing cluster".
            request.instance_type = request.cluster_mode.replace("_", " ")
            request.workers, request.count = None, 1
            return
        workers = config.databricks_default_workers if request.workers is None else request.workers
        if workers > config.databricks_max_workers:
            most = plural(config.databricks_max_workers, "worker")
            raise bad_request(
                f"A Databricks run may use at most {most}.",
                "Choose fewer workers, or ask your administrator.",
            )
        request.workers, request.count = workers, workers + 1

    # -- life of a run --------------------------------------------------------

    def submit(self, request: RunRequest, *, owner: str, root_dir: str | Path) -> Run:
        """Check, stage and launch a run; returns as soon as the launch request is accepted.

        Submitting again with the same ``run_id`` returns the first run: one launch.
        """
        run_id = request.run_id or new_run_id()
        owner = owner or "jupyter"
        with self._lock(run_id):
            existing = self.store.get(run_id) or self.records.read(run_id)
            if existing is not None:
                return existing
            # From the caps' check until the run is recorded (and so counted), no other
            # submit of this owner may check.
            with self._owner_lock(owner):
                run, path, files, environment, backend, plan = self._admit(
                    request, run_id, owner, root_dir
                )
                try:
                    self._save(run)  # no record, no run: nothing is kept nor launched
                except Exception as exc:
                    raise translate(exc, self.config.profile) from exc
            self._step(run, lambda: stage(self.records, run, path, files, environment), "staging")
            run.move_to(RunState.SUBMITTED)
            self._save(run)
            self._step(run, lambda: backend.launch(run, plan), "infrastructure")
            run.move_to(RunState.PROVISIONING)
            self._save(run)
            return run

    def template(
        self, request: RunRequest, template_id: str, owner: str, root_dir: str | Path
    ) -> tuple[Run, Path, list[tuple[str, Path]], EnvironmentSpec, RunBackend, Any]:
        """A scheduled run's template: every check of a submit but the owner's live caps
        (a schedule's fires are held to the monthly cap when it is made), then the run
        its fires copy and its backend's plan, neither saved nor launched."""
        request.scheduled = True
        return self._admit(request, template_id, owner, root_dir, caps=False)

    def _admit(
        self,
        request: RunRequest,
        run_id: str,
        owner: str,
        root_dir: str | Path,
        caps: bool = True,
    ) -> tuple[Run, Path, list[tuple[str, Path]], EnvironmentSpec, RunBackend, Any]:
        """Every check of a submit, then the run (not saved yet) and its launch plan."""
        hours, rate = self._check_limits(request, owner, caps)
        backend = self.backend(self.engine(request))
        path = notebook_file(root_dir, request.notebook_path)
        notebook = load_notebook(path)
        check_parameters(notebook, request.parameters)
        rows = request.sweep_rows or []
        for number, row in enumerate(rows, start=1):
            try:
                check_parameters(notebook, {**request.parameters, **row})
            except UcdhError as error:
                error.message = f"Parameter set {number}: {error.message}"
                raise
        files = select_files(path, request.files, request.include_sensitive)
        check_sizes(path, files, self.config.runs_max_notebook_mb, self.config.runs_max_files_mb)
        environment = self.environment(path, notebook)
        if backend.name != "databricks" and environment.problem and not environment.from_file:
            raise UcdhError(
                400,
                "kernel_not_readable",
                environment.problem,
                "Pick a kernel this server has (Kernel → Change Kernel…), save the notebook "
                "and submit again, or put a requirements.txt next to the notebook.",
            )
        if rows and backend.name == "databricks" and notebook_language(notebook) == "r":
            # A Databricks child reads its row as JSON: R needs jsonlite for that, which
            # the cluster may not have (see databricks_sweep.py).
            raise bad_request(
                "Sweeps of R notebooks cannot run on Databricks yet: each child reads its "
                "parameter set as JSON, which R cannot parse without the jsonlite package.",
                "Run the R notebook once per parameter set, or sweep it on EC2.",
            )
        location = self.records.location(run_id)
        run = Run.create(
            run_id=run_id,
            backend=backend.name,
            owner=owner,
            notebook_path=request.notebook_path,
            instance_type=request.instance_type,
            max_hours=hours,
            parameters=dict(request.parameters),
            count=request.count,
            rate_usd_per_hour=rate,
            workers=request.workers,
            cluster_mode=request.cluster_mode,
            bucket=location.bucket,
            prefix=location.prefix,
            # The machine installs this Python (None: the image's python3); EC2 only.
            python_version=environment.python.version if backend.name != "databricks" else None,
            kind="sweep" if rows else "run",
            sweep_rows=[dict(row) for row in rows],
            parallelism=request.parallelism if rows else None,
            deadline_hours=(
                sweep_deadline_hours(len(rows), request.parallelism or 1, hours) if rows else None
            ),
        )
        try:
            plan = backend.plan(run)
            backend.preflight(run, plan)
        except Exception as exc:
            raise translate(exc, self.config.profile) from exc
        return run, path, files, environment, backend, plan

    def _step(self, run: Run, action: Callable[[], None], kind: str) -> None:
        """Do one step of a submit; on failure record the run FAILED and re-raise."""
        try:
            action()
        except Exception as exc:
            error = translate(exc, self.config.profile)
            if error.status == 500:
                log_unexpected(log, exc, f"run {run.id} failed at {kind}")
            run.move_to(RunState.FAILED, failure_kind=FailureKind(kind), message=error.message)
            self._save(run)
            raise error from exc

    def get(self, run_id: str) -> Run:
        """One run, from the store or else its S3 record; 404 if neither has it."""
        check_run_id(run_id)
        run = self.store.get(run_id)
        if run is None and self.config.runs_bucket:
            run = self.records.read(run_id)
            if run is not None:
                self.store.put(run)
        if run is None:
            raise UcdhError(404, "run_not_found", f"There is no run {run_id}.", "")
        return run

    def list_runs(self, owner: str | None = None) -> list[Run]:
        """Runs from the local store, newest first."""
        return self.store.list(owner=owner)

    def cancel(self, run_id: str) -> Run:
        """Ask a run to stop; it saves its partial output, then its machine is terminated.

        Returns at once (CANCELLING); :meth:`refresh` completes it. Cancelling a run
        that is over changes nothing.
        """
        with self._lock(run_id):
            run = self.get(run_id)
            if run.final or run.state is RunState.CANCELLING:
                return run
            run.move_to(RunState.CANCELLING)
            self._save(run)
            backend = self.backend(run.backend)
            backend.request_cancel(run)
        return self.refresh(run_id)

    def refresh(self, run_id: str, now: datetime | None = None) -> Run:
        """Look at the run's machine and status once and move it on accordingly."""
        with self._lock(run_id):
            run = self.get(run_id)
            if run.final:
                return run
            backend = self.backend(run.backend)
            before = run.state
            moment = now or utcnow()
            release = apply_observation(
                run,
                backend.observe(run),
                now=moment,
                heartbeat_seconds=self.config.runs_heartbeat_seconds,
            )
            if release:
                backend.release(run)
            if run.final and run.kind == "sweep":
                close_children(run)
                run.cost_final_usd = run.cost_so_far_usd = run.cost_at(moment)
            run.refresh_cost(moment)
            self._save(run, record=run.state is not before)
            return run

    def refresh_active(self) -> list[Run]:
        """Refresh every run that is not over (the monitor calls this periodically)."""
        refreshed = []
        for run in self.store.list(active_only=True):
            try:
                refreshed.append(self.refresh(run.id))
            except Exception as exc:
                log_unexpected(log, exc, f"could not refresh run {run.id}")
        return refreshed

    def expire(
        self,
        run: Run,
        now: datetime | None = None,
        message: str = "The run passed its deadline; its machine was terminated.",
    ) -> Run | None:
        """Mark a run whose deadline passed EXPIRED (its machine is already terminated,
        or its Databricks run cancelled).

        ``run`` may be rebuilt from tags alone; a run staged under another runs prefix
        (another server's) is left to that server: returns None.
        """
        with self._lock(run.id):
            current = self.store.get(run.id) or self.records.read(run.id)
            if current is None and self.records.exists(run.id, protocol.MANIFEST_KEY):
                current = run
            if current is None:
                return None
            if not current.final:
                current.move_to(RunState.EXPIRED, now=now, message=message)
            self._save(current)
            return current

    def rebuild(self) -> int:
        """Refill the local store from the S3 records and the instances' tags."""
        recorded = {run.id: run for run in self.records.all()}
        adopted: list[Run] = []
        for name in self.available_backends():
            adopted.extend(self.backend(name).adopt(recorded))
        for run in adopted:
            self.records.write(run)
        count = rebuild(self.store, recorded.values(), adopted)
        # Runs that ended while no server was running: their owners are told now.
        for run in recorded.values():
            self._tell(run)
        return count

    # -- outputs --------------------------------------------------------------

    def copy_output(self, run_id: str, root_dir: str | Path) -> dict[str, str | None]:
        """Copy the run's results next to the original notebook: the executed (or
        partial) notebook as ``<name>.run-<UTC submission time>.ipynb`` (see
        :func:`~.results.result_stem`) and, for Databricks, the run's HTML view under the
        same name with ``.html``; their paths relative to the Jupyter root (None for a
        result the run does not have), or a 404 that says why when it has neither."""
        run = self.get(run_id)
        records = self.records
        keys = (protocol.OUTPUT_KEY, protocol.PARTIAL_KEY)
        notebook_key = next((key for key in keys if records.exists(run.id, key)), None)
        html_key = RUN_HTML_KEY if records.exists(run.id, RUN_HTML_KEY) else None
        if notebook_key is None and html_key is None:
            raise no_output(run)
        source = notebook_file(root_dir, run.notebook_path)
        root = Path(root_dir).resolve()
        copied = copy_results(
            run,
            source,
            {
                "path": (notebook_key, ".ipynb") if notebook_key else None,
                "html_path": (html_key, ".html") if html_key else None,
            },
            lambda key, target: records.download(run.id, key, target),
        )
        return {
            name: None if path is None else path.relative_to(root).as_posix()
            for name, path in copied.items()
        }

    def copy_child_output(self, run_id: str, index: int, root_dir: str | Path) -> str:
        """Copy one sweep child's executed notebook next to the original as
        ``<name>.run-<UTC time>.child-<index>.ipynb``; its path from the Jupyter root."""
        run = self.get(run_id)
        child = next((c for c in run.children if c["index"] == index), None)
        if run.kind != "sweep" or not 0 <= index < run.size:
            raise UcdhError(
                404, "no_child", f"Run {run.id} has no child {index}.", "Pick a child of the list."
            )
        key = (child or {}).get("output_key")
        if not key or not self.records.exists(run.id, key):
            state = (child or {}).get("state", "PENDING")
            raise UcdhError(
                404,
                "no_output",
                f"Child {index} has no executed notebook ({state.lower()}).",
                "A child saves its notebook when it ends; try again then.",
            )
        source = notebook_file(root_dir, run.notebook_path)
        copied = copy_results(
            run,
            source,
            {"path": (key, f".child-{index}.ipynb")},
            lambda key, target: self.records.download(run.id, key, target),
        )
        path = copied["path"]
        assert path is not None
        return path.relative_to(Path(root_dir).resolve()).as_posix()

    def export_children(self, run_id: str, root_dir: str | Path) -> str:
        """Write a sweep's table of children (parameters, state, duration, cost, exit
        value, glued values) as ``<name>.run-<UTC time>.children.csv`` next to the
        notebook; its path from the Jupyter root."""
        run = self.get(run_id)
        if run.kind != "sweep":
            raise bad_request(f"Run {run.id} is not a sweep.", "Only sweeps have children.")
        source = notebook_file(root_dir, run.notebook_path)
        target = source.with_name(result_stem(source, run) + ".children.csv")
        target.write_text(children_csv(run, utcnow()), encoding="utf-8")
        return target.relative_to(Path(root_dir).resolve()).as_posix()

    def read_log(self, run_id: str, max_bytes: int = 256 * 1024) -> str:
        """The end of the run's log (the runner uploads it at each heartbeat)."""
        run = self.get(run_id)
        body = self.records.get(run.id, protocol.LOG_KEY) or b""
        return body[-max_bytes:].decode("utf-8", errors="replace")

    def close(self) -> None:
        """Close the store (runs go on: their machines do not depend on this server)."""
        self.store.close()
