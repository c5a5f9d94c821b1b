"""The ``ucdh-jupyter`` command: ``demo`` (local AWS + local Databricks + JupyterLab) and
``local-aws``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

from .localaws import LocalAws
from .seed import seed
from .services import (
    NOTEBOOKS,
    RUNS_BUCKET,
    DemoServices,
    demo_services,
    hide_databricks_config,
    prepare_workspace,
    ucdh_settings,
)

__all__ = ["NOTEBOOKS", "RUNS_BUCKET", "hide_databricks_config", "lab_arguments", "main"]
# The name the README examples test and older callers use.
_prepare_workspace = prepare_workspace
# How long JupyterLab may take to answer before the demo gives up waiting to print its
# summary (a cold, loaded machine takes ~20 s).
READY_TIMEOUT_SECONDS = 180.0


def lab_arguments(
    endpoint_url: str,
    args: argparse.Namespace,
    runs_store: str,
    databricks: tuple[str, str] | None = None,
    lab_settings_dir: str | None = None,
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
        # The demo never reaches the internet: no JupyterLab news feed (and, with the
        # settings folder below, no toast asking a newcomer whether to fetch it).
        "--LabApp.news_url=None",
    ]
    if lab_settings_dir:
        command.append(f"--LabApp.app_settings_dir={lab_settings_dir}")
    command += [
        f"--UcdhConfig.{name}={value}"
        for name, value in ucdh_settings(endpoint_url, runs_store, databricks).items()
    ]
    if not getattr(args, "verbose", True):
        # Jupyter's startup log (extensions loaded, URLs, kernels) would bury the demo's
        # summary; warnings and errors still show.
        command.append("--Application.log_level=WARN")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and CI often run as root; the demo only ever serves 127.0.0.1.
        command.append("--ServerApp.allow_root=True")
    if args.base_url:
        command.append(f"--ServerApp.base_url={args.base_url}")
    if args.no_browser or not _has_browser():
        # Without one, Jupyter would warn "No web browser found" above the summary.
        command.append("--no-browser")
    if args.config:
        command.append(f"--config={args.config}")
    return command + list(args.lab_args)


def _has_browser() -> bool:
    """Whether Python's webbrowser module finds a browser to open the URL in."""
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def lab_url(pid: int, lab: subprocess.Popen[bytes], timeout: float) -> str | None:
    """The URL (token included) of the Jupyter server ``pid`` once it accepts connections:
    from its runtime file (it may have moved to another port, or have a token from a config
    file), which Jupyter writes just before it binds the port. None when it stopped or took
    too long."""
    from jupyter_server.serverapp import list_running_servers

    deadline = time.monotonic() + timeout
    while lab.poll() is None and time.monotonic() < deadline:
        info = next((i for i in list_running_servers() if i.get("pid") == pid), None)
        if info is not None and _accepts_connections(info["url"]):
            token = info.get("token") or ""
            return f"{info['url']}lab" + (f"?token={token}" if token else "")
        time.sleep(0.2)
    return None


def _accepts_connections(url: str) -> bool:
    """Whether something listens at ``url``'s host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 1):
            return True
    except OSError:
        return False


def _start_server(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the Jupyter server; Ctrl-C and SIGTERM stop it, and the demo follows it.

    Both become SIGTERM, Jupyter's one reliable way to stop: without a terminal (its stdin,
    so that it never asks "Shutdown this Jupyter server?") a SIGINT is a KeyboardInterrupt
    that may land anywhere, and a Ctrl-C'd server measured here kept running. It stays in
    the demo's process group, so a group kill (Playwright's) stops it too."""
    child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)  # noqa: S603

    def stop(_signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    return child


def exec_with_demo(services: DemoServices, command: list[str]) -> int:
    """Run ``command`` (the Jupyter server Binder starts) with the demo's settings in a
    config file that Jupyter reads first (``JUPYTER_CONFIG_PATH``)."""
    if not command:
        print("ucdh-jupyter demo --exec: give the command after --", file=sys.stderr)
        return 2
    config = services.scratch / "jupyter-config"
    config.mkdir()
    settings = {
        "ServerApp": {"root_dir": str(services.root)},
        "LabApp": {"news_url": None, "app_settings_dir": services.lab_settings_dir()},
        "UcdhConfig": services.settings(),
    }
    (config / "jupyter_server_config.json").write_text(json.dumps(settings, indent=1))
    earlier = os.environ.get("JUPYTER_CONFIG_PATH")
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(config), earlier]))
    summary = services.summary(None, "stop the Jupyter server")
    print(f"{summary}  Jupyter settings  {config / 'jupyter_server_config.json'}\n", flush=True)
    return _start_server(command, os.environ.copy()).wait()


def run_demo(args: argparse.Namespace) -> int:
    """Start and seed the local AWS and the local Databricks, run JupyterLab (or, with
    ``--exec``, the command given) against them, stop all together."""
    print("Starting the local AWS and the local Databricks…", flush=True)
    with demo_services(args.root, args.aws_port) as services:
        if args.exec:
            return exec_with_demo(services, list(args.lab_args))
        args.root = str(services.root)
        settings = services.settings()
        command = lab_arguments(
            services.aws.endpoint_url,
            args,
            services.runs_store,
            (settings["databricks_host"], settings["databricks_token_file"]),
            services.lab_settings_dir(),
        )
        print("Starting JupyterLab…", flush=True)
        env = os.environ.copy()
        # A token the demo knows spares Jupyter's own URL banner (the summary prints it);
        # a token of the user's (JUPYTER_TOKEN, a config file) stands.
        env.setdefault("JUPYTER_TOKEN", secrets.token_hex(24))
        lab = _start_server(command, env)
        url = lab_url(lab.pid, lab, READY_TIMEOUT_SECONDS)
        if url is not None:
            print(services.summary(url, "Ctrl-C"), flush=True)
        elif lab.poll() is None:
            print(
                f"JupyterLab did not answer within {READY_TIMEOUT_SECONDS:.0f} s; "
                "`ucdh-jupyter demo --verbose` shows its log.",
                file=sys.stderr,
                flush=True,
            )
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
    demo.add_argument(
        "--verbose", action="store_true", help="show JupyterLab's own log (startup included)"
    )
    demo.add_argument(
        "--exec",
        action="store_true",
        help="run the command given after -- (a Jupyter server, as on Binder) with the "
        "demo's settings, instead of starting JupyterLab",
    )
    demo.add_argument(
        "lab_args", nargs="*", help="extra JupyterLab arguments, or the --exec command (after --)"
    )
    demo.set_defaults(run=run_demo)
    local = commands.add_parser("local-aws", help="only the seeded local AWS")
    local.add_argument("--aws-port", type=int, default=0)
    local.set_defaults(run=run_local_aws)
    commands.add_parser("admin", help="administrator tools: ucdh-jupyter admin policies --help")
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
