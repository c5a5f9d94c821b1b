"""Fuzzing the whole API with schemathesis against a running server of the demo setup.

The server runs as a real ``jupyter server`` process on a free port, against its own
seeded local AWS (a separate moto process, so destructive calls never touch the data
other tests use), with a runs bucket and the local Databricks stand-in. Every operation
of ``ucdh_jupyter/openapi.yaml`` is called with the spec's examples, its boundary values
and generated (valid and invalid) inputs, authenticated with the server's token (token
logins need no XSRF header). Passes when no answer is a 5xx and every answer matches the
spec: a documented status, the documented content type, a body matching the schema.

Deterministic: a fixed seed, derandomised generation, a bounded number of examples per
operation (the whole run takes a few minutes at most).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from ucdh_jupyter.demo.cli import RUNS_BUCKET
from ucdh_jupyter.demo.databricks import LocalDatabricks
from ucdh_jupyter.demo.localaws import DEMO_REGION, demo_environment, free_port

from .patience import patient

SPEC = Path(str(files("ucdh_jupyter").joinpath("openapi.yaml")))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
EXAMPLES_PER_OPERATION = 25
# A hard stop well above the usual run time: a hung server must fail, not stall CI.
FUZZ_TIMEOUT_SECONDS = patient(60)
LOCAL_AWS = "from ucdh_jupyter.demo.cli import main; main()"


def wait_until_up(url: str, headers: dict[str, str], process: subprocess.Popen, what: str) -> None:
    """Poll ``url`` until it answers 200; fail with the process's output if it dies."""
    give_up = time.monotonic() + patient(20)
    while time.monotonic() < give_up:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"{what} did not start within {patient(20):.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Terminate a process this module started, and wait for it."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def fuzz_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A seeded local AWS of its own, in its own process: fuzzed deletes and moves are
    free to wreck it."""
    port = free_port()
    log = tmp_path_factory.mktemp("fuzz-aws") / "local-aws.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", LOCAL_AWS, "local-aws", "--aws-port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        give_up = time.monotonic() + patient(30)
        while not log.read_text().startswith("http://127.0.0.1"):  # printed once seeded
            assert process.poll() is None and time.monotonic() < give_up, log.read_text()
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def fuzz_server(
    fuzz_aws: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL of the ucdh-jupyter routes, token) of a demo-configured Jupyter server."""
    home = tmp_path_factory.mktemp("fuzz")
    root, config_dir, data_dir = home / "root", home / "config", home / "data"
    for folder in (root, config_dir, data_dir):
        folder.mkdir()
    token = secrets.token_hex(16)
    port = free_port()
    with LocalDatabricks(pending_seconds=1.0) as databricks:
        token_file = home / "databricks-token"
        token_file.write_text(databricks.token)
        token_file.chmod(0o600)
        settings = {
            "ServerApp": {
                # Only the extension under test: the others slow the start down.
                "jpserver_extensions": {
                    "ucdh_jupyter": True,
                    "jupyterlab": False,
                    "jupyter_lsp": False,
                    "jupyter_server_terminals": False,
                    "notebook_shim": False,
                },
                "allow_unauthenticated_access": False,
                "ip": "127.0.0.1",
                "port": port,
                "port_retries": 0,
                "open_browser": False,
                "root_dir": str(root),
                "token": token,
                "allow_root": True,
            },
            "IdentityProvider": {"token": token},
            "UcdhConfig": {
                "mode": "local",
                "endpoint_url": fuzz_aws,
                "region": DEMO_REGION,
                "runs_bucket": RUNS_BUCKET,
                "runs_store_path": str(home / "runs.sqlite"),
                "allow_presigned_urls": True,
                "databricks_host": databricks.host,
                "databricks_token_file": str(token_file),
            },
        }
        (config_dir / "jupyter_server_config.json").write_text(json.dumps(settings))
        (home / "databrickscfg").write_text("")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "JUPYTER"))},
            **demo_environment(fuzz_aws),
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_DATA_DIR": str(data_dir),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "DATABRICKS_CONFIG_FILE": str(home / "databrickscfg"),
        }
        # Its log goes to a file: an unread pipe would fill up and stall the server.
        with (home / "server.log").open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "jupyter_server"],
                env=env,
                cwd=str(home),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}/ucdh-jupyter"
        try:
            wait_until_up(f"{base}/status", {"Authorization": f"token {token}"}, process, "jupyter")
            yield base, token
        finally:
            stop(process)


def test_fuzzing_the_whole_api_finds_no_server_error_and_no_answer_outside_the_spec(
    fuzz_server: tuple[str, str], tmp_path: Path
) -> None:
    # Given the demo server and its OpenAPI description
    base, token = fuzz_server
    report = tmp_path / "junit.xml"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(SPEC),
        "--url",
        base,
        "--header",
        f"Authorization: token {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--generation-deterministic",
        "--generation-with-security-parameters",
        "false",
        "--workers",
        "1",
        "--request-timeout",
        str(patient(10)),
        "--no-color",
        "--output-sanitize",
        "true",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    # When schemathesis calls every operation with examples, boundaries and generated data
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=FUZZ_TIMEOUT_SECONDS, check=False
    )
    # Then there is no 5xx and no answer the spec does not describe
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
