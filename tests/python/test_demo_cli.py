"""What a newcomer sees when they type ``make demo`` or open the Binder: install steps of one
line each (the whole output in a log, its end shown on failure), a demo that ends its start
with a summary whose URL works, and a Binder that serves the same demo.

The demo and Binder tests start the real command line on free ports, as ui-tests does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ucdh_jupyter.demo.cli import lab_arguments
from ucdh_jupyter.demo.localaws import free_port
from ucdh_jupyter.demo.seed import BUCKETS
from ucdh_jupyter.demo.services import RUNS_BUCKET

from .patience import patient

REPO = Path(__file__).resolve().parents[2]
STEP = REPO / "scripts" / "step.sh"
BIN = Path(sys.executable).parent
# A cold demo start on a loaded machine (seeding, Databricks, JupyterLab) takes ~20-60 s.
START_SECONDS = patient(40)


def run_step(
    tmp_path: Path, *command: str, verbose: bool = False
) -> subprocess.CompletedProcess[str]:
    """``scripts/step.sh "Installing things" COMMAND`` as the Makefile runs it."""
    env = {**os.environ, "UCDH_STEP_LOGS": str(tmp_path / "logs"), "V": "1" if verbose else "0"}
    return subprocess.run(
        ["bash", str(STEP), "Installing things", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=patient(30),
        check=False,
    )


NOISY = 'for i in $(seq 1 500); do echo "Collecting package-$i"; done'


def test_a_passing_install_step_prints_one_line_and_keeps_its_output_in_a_log(
    tmp_path: Path,
) -> None:
    # Given a step that prints 500 lines, and a real pip command that succeeds
    # When each runs through the step script
    noisy = run_step(tmp_path, "bash", "-c", NOISY)
    pip = run_step(tmp_path, sys.executable, "-m", "pip", "--version")
    # Then each prints one line, with how long it took, and nothing on stderr
    assert noisy.returncode == 0 and pip.returncode == 0
    assert re.fullmatch(r"Installing things… done \(\d+ s\)\n", noisy.stdout)
    assert re.fullmatch(r"Installing things… done \(\d+ s\)\n", pip.stdout)
    assert noisy.stderr == "" and pip.stderr == ""
    # And the whole output is in build/logs/<step>.log
    log = tmp_path / "logs" / "installing-things.log"
    assert "pip " in log.read_text()  # the last step's log
    run_step(tmp_path, "bash", "-c", NOISY)
    assert log.read_text().count("Collecting package-") == 500


def test_a_failing_install_step_shows_the_end_of_its_log_and_where_the_rest_is(
    tmp_path: Path,
) -> None:
    # Given a real pip install that cannot succeed (no index, no such package), after noise
    missing = "ucdh-no-such-package-4b1f"
    command = f'{NOISY}; "{sys.executable}" -m pip install --no-index {missing}'
    # When it runs through the step script
    result = run_step(tmp_path, "bash", "-c", command)
    # Then the step fails with pip's status, says so on its line
    assert result.returncode != 0
    assert re.fullmatch(r"Installing things… FAILED \(\d+ s, exit status \d+\)\n", result.stdout)
    # And shows the last lines of the log, pip's error included, but not the early noise
    assert missing in result.stderr
    assert "Collecting package-500" in result.stderr
    assert "Collecting package-100\n" not in result.stderr
    # And names the log, which holds everything
    log = tmp_path / "logs" / "installing-things.log"
    assert str(Path("logs") / "installing-things.log") in result.stderr
    assert log.read_text().count("Collecting package-") == 500


def test_make_v1_shows_a_step_s_output_as_it_happens(tmp_path: Path) -> None:
    # Given V=1 (make V=1)
    # When a step runs
    result = run_step(tmp_path, "bash", "-c", NOISY, verbose=True)
    # Then all its output shows, and the log still gets it
    assert result.returncode == 0
    assert "Collecting package-1\n" in result.stdout
    assert "Collecting package-500\n" in result.stdout
    assert (tmp_path / "logs" / "installing-things.log").read_text().count("Collecting") == 500


def test_every_install_step_of_make_goes_through_the_quiet_step_script() -> None:
    # Given what a fresh clone's `make install` would run (dry run, every target forced)
    dry = subprocess.run(
        ["make", "-n", "-B", "install"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=patient(15),
        check=True,
    ).stdout
    commands = dry.replace("\\\n", " ").splitlines()
    # Then every package manager or build command is wrapped by scripts/step.sh
    noisy = re.compile(
        r"pip install|jlpm (install|build)|apt-get (update|install)|demo\.wheelhouse"
        r"|-m venv|installspec"
    )
    unwrapped = [line for line in commands if noisy.search(line) and "step.sh" not in line]
    assert unwrapped == []
    assert sum("step.sh" in line for line in commands) >= 8


@pytest.fixture
def runtime_dir(tmp_path: Path) -> Path:
    """Jupyter's runtime files (where the demo learns its server's URL) for this test only."""
    path = tmp_path / "runtime"
    path.mkdir()
    return path


class Started:
    """A command started in the background, its stdout collected line by line."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.stderr: list[str] = []
        for stream, into in ((self.process.stdout, self.lines), (self.process.stderr, self.stderr)):
            threading.Thread(target=self._collect, args=(stream, into), daemon=True).start()

    @staticmethod
    def _collect(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)

    def wait_for_line(self, pattern: str) -> str:
        """The first stdout line matching ``pattern``, waiting for it."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            found = [line for line in self.lines if re.search(pattern, line)]
            if found:
                return found[0]
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(
            f"no line {pattern!r}; stdout {''.join(self.lines)} stderr {''.join(self.stderr)}"
        )

    def stop(self, signum: int = signal.SIGTERM, *, terminal: bool = False) -> int:
        """Stop it with ``signum``, sent to it alone or, as a terminal's Ctrl-C, to its
        whole process group; its status (-9: it had to be killed)."""
        if self.process.poll() is None:
            if terminal:
                os.killpg(self.process.pid, signum)
            else:
                self.process.send_signal(signum)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()


@pytest.fixture
def started(runtime_dir: Path) -> Iterator[list[Started]]:
    """Commands a test starts; each is stopped at teardown."""
    commands: list[Started] = []
    yield commands
    for command in commands:
        command.stop()


def environment(runtime_dir: Path) -> dict[str, str]:
    """This environment, with its own Jupyter runtime folder and the venv's commands first."""
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime_dir)}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_TOKEN", None)
    return env


def get(url: str, token: str = "") -> tuple[int, bytes]:
    """GET ``url`` (with a Jupyter token); status and body."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"token {token}")
    with urllib.request.urlopen(request, timeout=patient(10)) as response:
        return response.status, response.read()


def page_config(body: bytes) -> dict[str, object]:
    """The page config JupyterLab's HTML carries (``jupyter-config-data``)."""
    found = re.search(
        rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', body, re.S
    )
    assert found is not None
    return dict(json.loads(found.group(1)))


def fetch_news(base: str, token: str) -> object:
    """JupyterLab's news setting as the page reads it: while it is "none" (undecided),
    JupyterLab asks the user in a toast whether to fetch news from the internet."""
    plugin = "@jupyterlab/apputils-extension:notification"
    answer = json.loads(get(f"{base}lab/api/settings/{plugin}", token)[1])
    default = answer["schema"]["properties"]["fetchNews"]["default"]
    return answer["settings"].get("fetchNews", default)


def test_the_demo_ends_its_start_with_a_summary_whose_url_opens_jupyterlab(
    tmp_path: Path, runtime_dir: Path, started: list[Started]
) -> None:
    # Given the demo started as `make demo` does, on a free port
    port = free_port()
    command = [
        str(BIN / "ucdh-jupyter"),
        "demo",
        "--no-browser",
        "--port",
        str(port),
        "--root",
        "ws",
    ]
    demo = Started(command, tmp_path, environment(runtime_dir))
    started.append(demo)
    # When it is ready
    open_line = demo.wait_for_line(r"^\s+Open\s")
    demo.wait_for_line(r"^\s+Stop\s")
    # Then the printed URL (with its token) answers with JupyterLab
    url = open_line.split()[-1]
    assert url.startswith(f"http://127.0.0.1:{port}/lab?token=")
    status, body = get(url)
    assert status == 200 and b"JupyterLab" in body
    # And JupyterLab will not ask the newcomer about fetching news from the internet
    assert page_config(body)["news"] == {"disabled": True}
    assert fetch_news(f"http://127.0.0.1:{port}/", url.split("token=")[1]) == "false"
    # And the summary names the local AWS endpoint, which answers, and the other pieces
    summary = "".join(demo.lines)
    endpoint = re.search(r"Local AWS\s+(http://127\.0\.0\.1:\d+)", summary)
    assert endpoint is not None
    assert get(endpoint.group(1))[0] == 200
    assert re.search(r"Local Databricks\s+http://127\.0\.0\.1:\d+", summary)
    assert f"s3://{RUNS_BUCKET}" in summary
    assert all(f"s3://{bucket}" in summary for bucket in BUCKETS)
    assert "Ctrl-C" in summary
    # And Jupyter's own startup log does not bury it
    startup = [line for line in demo.stderr if re.match(r"\[[ID] ", line)]
    assert startup == []
    assert "To access the server" not in "".join(demo.stderr)
    # And Ctrl-C in its terminal (SIGINT to the whole process group) stops it cleanly
    assert demo.stop(signal.SIGINT, terminal=True) == 0


def test_the_demo_still_reports_a_real_jupyter_error(
    tmp_path: Path, runtime_dir: Path, started: list[Started]
) -> None:
    # Given a demo whose JupyterLab cannot start (its root is no folder)
    missing = tmp_path / "no-such-folder"
    command = [
        str(BIN / "ucdh-jupyter"),
        "demo",
        "--no-browser",
        "--port",
        str(free_port()),
        "--root",
        "ws",
        "--",
        f"--ServerApp.root_dir={missing}",
    ]
    demo = Started(command, tmp_path, environment(runtime_dir))
    started.append(demo)
    # When it ends
    status = demo.process.wait(timeout=START_SECONDS)
    time.sleep(0.5)  # the collecting threads read the last lines
    # Then it fails, with Jupyter's reason on stderr, and prints no summary
    assert status != 0
    assert str(missing) in "".join(demo.stderr)
    assert not any("Open " in line for line in demo.lines)


def test_binder_serves_the_same_demo_as_make_demo(
    tmp_path: Path, runtime_dir: Path, started: list[Started]
) -> None:
    # Given Binder's start script, run as repo2docker does: with its own Jupyter server
    # command after it (a token and port of Binder's choosing)
    port, token = free_port(), "binder-test-token"
    env = {**environment(runtime_dir), "JUPYTER_TOKEN": token}
    server = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}"]
    server += ["--ServerApp.ip=127.0.0.1", "--ServerApp.allow_root=True"]
    binder = Started(["bash", str(REPO / "binder" / "start"), *server], tmp_path, env)
    started.append(binder)
    # When the server answers
    binder.wait_for_line(r"^\s+Stop\s")
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if get(f"{base}api/status", token)[0] == 200:
                break
        except OSError:
            pass
        assert binder.process.poll() is None, "".join(binder.stderr)
        assert time.monotonic() < deadline, "Binder's server never answered"
        time.sleep(0.5)
    # Then the server read the settings `make demo` gives its JupyterLab (every one of them),
    # pointing at the local AWS and Databricks the summary names, the runs bucket and the
    # wheelhouse
    summary = "".join(binder.lines)
    written = Path(binder.wait_for_line(r"^\s+Jupyter settings\s").split()[-1])
    settings = json.loads(written.read_text())["UcdhConfig"]
    make_demo = lab_arguments("http://e", _args(), "store", ("http://h", "token-file"))
    assert {f"--UcdhConfig.{name}" for name in settings} == {
        argument.split("=")[0] for argument in make_demo if argument.startswith("--UcdhConfig.")
    }
    assert f"Local AWS         {settings['endpoint_url']} " in summary
    assert f"Local Databricks  {settings['databricks_host']} " in summary
    assert settings["runs_bucket"] == RUNS_BUCKET
    # (postBuild's folder, unless UCDH_WHEELHOUSE names one, as `make` does)
    binder_wheelhouse = Path(env["HOME"]) / "build" / "wheelhouse"
    assert settings["runs_wheelhouse"] == env.get("UCDH_WHEELHOUSE", str(binder_wheelhouse))
    status = json.loads(get(f"{base}ucdh-jupyter/status", token)[1])
    assert status["mode"] == "local"
    # And, as in `make demo`, JupyterLab fetches no news from the internet, nor asks
    assert page_config(get(f"{base}lab", token)[1])["news"] == {"disabled": True}
    assert fetch_news(base, token) == "false"
    # And both run backends are available in the run dialog
    public = json.loads(get(f"{base}ucdh-jupyter/config", token)[1])
    backends = public["runs"]["backends"]
    assert backends["ec2"]["available"] and backends["databricks"]["available"]
    # And the sidebar's S3 section shows the sample data, the example notebooks are there
    buckets = json.loads(get(f"{base}ucdh-jupyter/s3/buckets", token)[1])
    names = json.dumps(buckets)
    assert all(bucket in names for bucket in BUCKETS if bucket != RUNS_BUCKET)
    contents = json.loads(get(f"{base}api/contents", token)[1])
    assert {"welcome.ipynb", "train-model.ipynb"} <= {item["name"] for item in contents["content"]}
    assert (tmp_path / "demo-workspace" / "welcome.ipynb").exists()
    # And Binder stopping it (SIGTERM) stops the server and the demo
    assert binder.stop(signal.SIGTERM) == 0


def _args() -> argparse.Namespace:
    """The demo's command-line options with their defaults."""
    return argparse.Namespace(
        root="ws", port=1, base_url="", no_browser=True, config="", lab_args=[], verbose=False
    )


def test_binder_builds_the_wheelhouse_its_start_uses() -> None:
    # Given Binder's two scripts
    post_build = (REPO / "binder" / "postBuild").read_text()
    start = (REPO / "binder" / "start").read_text()
    # Then postBuild fills the folder start points the demo's run machines at
    folder = "${UCDH_WHEELHOUSE:-$HOME/build/wheelhouse}"
    assert f'ucdh_jupyter.demo.wheelhouse "{folder}"' in post_build
    assert f'UCDH_WHEELHOUSE="{folder}"' in start
    assert "ucdh-jupyter demo --exec" in start


def test_the_demo_opens_a_browser_only_where_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    patch = monkeypatch
    args = argparse.Namespace(**{**vars(_args()), "no_browser": False})

    # Given a machine without a browser (a server, a container, CI)
    def no_browser() -> object:
        raise webbrowser.Error("could not locate runnable browser")

    patch.setattr(webbrowser, "get", no_browser)
    # Then the demo's JupyterLab does not try one, and prints no warning about it
    assert "--no-browser" in lab_arguments("http://e", args, "store")
    # Given one
    patch.setattr(webbrowser, "get", lambda: object())
    # Then JupyterLab opens it
    assert "--no-browser" not in lab_arguments("http://e", args, "store")
