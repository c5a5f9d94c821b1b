"""The ``ucdh-jupyter`` command: ``demo`` (local AWS + local Databricks + JupyterLab) and
``local-aws``."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .databricks import LocalDatabricks
from .localaws import DEMO_REGION, LocalAws, apply_demo_environment
from .seed import seed
from .wheelhouse import wheelhouse

NOTEBOOKS = Path(__file__).parent / "notebooks"
# Runs are staged here; the local executor plays the instance (see runs/local.py).
RUNS_BUCKET = "ucdh-demo-runs"
# Short heartbeats make a demo run's progress visible within seconds.
RUNS_HEARTBEAT_SECONDS = 5
# How long the local Databricks "starts a cluster" (minutes in a real workspace).
DATABRICKS_PENDING_SECONDS = 3.0


def _prepare_workspace(root: Path) -> Path:
    """The demo's Jupyter root: example notebooks, copied once, never overwritten."""
    root.mkdir(parents=True, exist_ok=True)
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        target = root / notebook.name
        if not target.exists():
            shutil.copy(notebook, target)
    return root


def hide_databricks_config(scratch: Path) -> None:
    """Make this process (and JupyterLab, its kernels) blind to the user's real Databricks:
    no ``DATABRICKS_*`` variables, an empty ``~/.databrickscfg`` stand-in."""
    for name in [name for name in os.environ if name.startswith("DATABRICKS_")]:
        del os.environ[name]
    empty = scratch / "databrickscfg"
    empty.write_text("")
    os.environ["DATABRICKS_CONFIG_FILE"] = str(empty)


def databricks_token_file(local: LocalDatabricks, scratch: Path) -> str:
    """The stand-in's token in a private file, as an admin would hand a real one over."""
    path = scratch / "databricks-token"
    path.touch(mode=0o600)
    path.write_text(local.token)
    return str(path)


def lab_arguments(
    endpoint_url: str,
    args: argparse.Namespace,
    runs_store: str,
    databricks: tuple[str, str] | None = None,
) -> list[str]:
    """Command line of the JupyterLab the demo starts, pointed at the local AWS and,
    given ``(host, token file)``, at the local Databricks."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={args.root}",
        f"--ServerApp.port={args.port}",
        "--ServerApp.ip=127.0.0.1",
        "--UcdhConfig.mode=local",
        f"--UcdhConfig.endpoint_url={endpoint_url}",
        f"--UcdhConfig.region={DEMO_REGION}",
        f"--UcdhConfig.runs_bucket={RUNS_BUCKET}",
        f"--UcdhConfig.runs_heartbeat_seconds={RUNS_HEARTBEAT_SECONDS}",
        f"--UcdhConfig.runs_store_path={runs_store}",
        # The stand-in run machines execute their real boot script and have no internet:
        # packages come from the S3 wheel cache, filled from the local wheelhouse.
        "--UcdhConfig.runs_wheel_cache=True",
        f"--UcdhConfig.runs_wheelhouse={wheelhouse()}",
    ]
    if databricks is not None:
        host, token_file = databricks
        command += [
            f"--UcdhConfig.databricks_host={host}",
            f"--UcdhConfig.databricks_token_file={token_file}",
        ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and CI often run as root; the demo only ever serves 127.0.0.1.
        command.append("--ServerApp.allow_root=True")
    if args.base_url:
        command.append(f"--ServerApp.base_url={args.base_url}")
    if args.no_browser:
        command.append("--no-browser")
    if args.config:
        command.append(f"--config={args.config}")
    return command + list(args.lab_args)


def run_demo(args: argparse.Namespace) -> int:
    """Start and seed the local AWS and the local Databricks, run JupyterLab against
    them, stop all together."""
    with (
        LocalAws(port=args.aws_port) as local,
        tempfile.TemporaryDirectory(prefix="ucdh-demo-runs-") as runs_dir,
        LocalDatabricks(pending_seconds=DATABRICKS_PENDING_SECONDS) as databricks,
    ):
        apply_demo_environment(local.endpoint_url)
        hide_databricks_config(Path(runs_dir))
        token_file = databricks_token_file(databricks, Path(runs_dir))
        # Each demo keeps its own run list, as its local AWS is its own: two demos (or a
        # demo and a real server) must never follow, fail or reap each other's runs.
        # The demo's kernels need no settings of their own: their magics call this
        # server's routes (it tells them where it is when it loads).
        runs_store = str(Path(runs_dir) / "runs.sqlite")
        summary = seed(local)
        print(
            f"ucdh-jupyter demo: local AWS on {local.endpoint_url} "
            f"({len(summary['buckets'])} buckets, {summary['objects']} objects, all synthetic); "
            f"local Databricks on {databricks.host}",
            flush=True,
        )
        root = _prepare_workspace(Path(args.root).resolve())
        args.root = str(root)
        command = lab_arguments(local.endpoint_url, args, runs_store, (databricks.host, token_file))
        lab = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603

        def forward(signum: int, _frame: object) -> None:
            lab.send_signal(signum)

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, forward)
            signal.signal(signal.SIGINT, forward)
        return lab.wait()


def run_local_aws(args: argparse.Namespace) -> int:
    """Serve only the seeded local AWS until interrupted (for a separate Jupyter)."""
    with LocalAws(port=args.aws_port) as local:
        seed(local)
        print(local.endpoint_url, flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ucdh-jupyter`` command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["admin"]:
        # Its own parser: it passes --UcdhConfig.name=value items on, like jupyter_server.
        from ..admin.cli import main as admin_main

        return admin_main(argv[1:])
    parser = argparse.ArgumentParser(prog="ucdh-jupyter", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="JupyterLab with the extension against local AWS")
    demo.add_argument("--port", type=int, default=8888, help="JupyterLab port")
    demo.add_argument("--aws-port", type=int, default=0, help="local AWS port (0: free port)")
    demo.add_argument("--root", default="demo-workspace", help="Jupyter root directory")
    demo.add_argument("--base-url", default="", help="serve under this base URL")
    demo.add_argument("--config", default="", help="extra Jupyter config file")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.add_argument("lab_args", nargs="*", help="extra JupyterLab arguments (after --)")
    demo.set_defaults(run=run_demo)
    local = commands.add_parser("local-aws", help="only the seeded local AWS")
    local.add_argument("--aws-port", type=int, default=0)
    local.set_defaults(run=run_local_aws)
    commands.add_parser("admin", help="administrator tools: ucdh-jupyter admin policies --help")
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
