"""A notebook is bound by exactly the server's policy: the settings given to the server
only (here its config object, as on a command line: no config file), reach the kernel's
magics, widgets and ``open_s3`` because they call the server's routes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter import open_s3, server_client
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.server_client import ENV_ROOT, ENV_TOKEN, ENV_URL, ServerClient

from .conftest import NotebookKernel, marked
from .patience import patient
from .runs.conftest import run_settings, workspace  # noqa: F401 - fixtures used here

SERVER_ONLY_LIMITS = {"allowed_instance_types": ["t3.*"], "max_runtime_hours": 1.0}
# What `%ucdh_run analysis.ipynb --instance p4d.24xlarge --max-hours 20` asks, as the
# Run dialog would send it to the same route.
BIG_GPU_RUN = {
    "notebook_path": "study/analysis.ipynb",
    "instance_type": "p4d.24xlarge",
    "backend": "ec2",
    "max_hours": 20.0,
    "parameters": {},
    "files": [],
}


@pytest.fixture
def ucdh_config(
    run_settings: dict[str, Any],  # noqa: F811 - the imported fixture
    request: pytest.FixtureRequest,
) -> dict[str, Any]:
    """The server's settings (runs on the local AWS), changed by a ``ucdh`` marker."""
    return marked(run_settings, request)


@pytest.fixture
def jp_root_dir(workspace: Path) -> Path:  # noqa: F811 - the imported fixture
    """The Jupyter root is the workspace; its notebook folder is ``study/``."""
    return workspace


@pytest.fixture
def token_less(request: pytest.FixtureRequest) -> bool:
    """Whether the test server has no token (parametrized indirectly; default: it has)."""
    return bool(getattr(request, "param", False))


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], token_less: bool) -> dict[str, Any]:
    """The test server; without a token when ``token_less`` (as galata's, or one behind
    an authenticating proxy)."""
    if not token_less:
        return jp_server_config
    # pytest-jupyter replaces an empty IdentityProvider.token; an empty ServerApp.token stays.
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"], "token": ""}}


@pytest.fixture
def notebook(kernel: NotebookKernel, workspace: Path, monkeypatch: Any) -> NotebookKernel:  # noqa: F811
    """A kernel whose notebook sits in ``study/``."""
    monkeypatch.chdir(workspace / "study")
    return kernel


async def test_the_server_tells_its_kernels_where_it_is(
    notebook: NotebookKernel, jp_serverapp: Any, jp_http_port: int, jp_base_url: str
) -> None:
    # Given a running server with the extension, its kernels inherit its environment
    # Then it published its own URL (base URL included), its token and its root
    assert os.environ[ENV_URL] == f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    assert os.environ[ENV_TOKEN] == jp_serverapp.identity_provider.token
    assert Path(os.environ[ENV_ROOT]) == Path(jp_serverapp.root_dir)
    # and a kernel finds it there
    assert (await notebook.call(ServerClient.discover)).url == os.environ[ENV_URL]


@pytest.mark.ucdh(**SERVER_ONLY_LIMITS)
async def test_a_run_from_a_cell_obeys_limits_given_only_to_the_server(
    notebook: NotebookKernel, ucdh_request: Any, capsys: Any
) -> None:
    # Given limits set only on the server (t3 types, 1 hour), no config file anywhere
    # When a researcher asks for a big GPU machine for 20 hours from a cell
    with pytest.raises(UsageError) as raised:
        await notebook.magic("ucdh_run", "analysis.ipynb --instance p4d.24xlarge --max-hours 20")
    # Then the server refuses it, with the message the Run dialog would get
    status, reply = await ucdh_request("POST", "runs", BIG_GPU_RUN)
    assert 400 <= status < 500
    assert str(raised.value) == f"{reply['message']} {reply['hint']}".strip()
    assert "Run " not in capsys.readouterr().out
    # and nothing was launched
    _, listed = await ucdh_request("GET", "runs")
    assert listed["runs"] == []
    # and an allowed type within the limit is still refused past the server's max runtime
    with pytest.raises(UsageError, match="1 hour"):
        await notebook.magic("ucdh_run", "analysis.ipynb --instance t3.micro --max-hours 2")


@pytest.mark.ucdh(**SERVER_ONLY_LIMITS)
async def test_the_picker_magic_shows_the_servers_limits(
    notebook: NotebookKernel, capsys: Any
) -> None:
    await notebook.magic("ucdh_instances", "--family p4d")
    out = capsys.readouterr().out
    assert "p4d.24xlarge" in out and "not allowed" in out


@pytest.mark.ucdh(allowed_buckets=["ucdh-demo-shared"])
async def test_s3_from_a_cell_obeys_an_allow_list_given_only_to_the_server(
    notebook: NotebookKernel,
    workspace: Path,  # noqa: F811 - the imported fixture
    s3: Any,
) -> None:
    # Given a server that allows only the shared bucket
    outside = "s3://ucdh-demo-cardiology/studies/echo-2025/raw/site-a/visits.csv"
    (workspace / "study" / "mine.csv").write_text("a,b\n1,2\n")
    # When a cell lists, reads, downloads or uploads outside it, each is refused in one line
    for line in (
        "ls s3://ucdh-demo-cardiology/",
        f"get {outside} here.csv",
        "put mine.csv s3://ucdh-demo-cardiology/mine.csv",
    ):
        with pytest.raises(UsageError, match="administrator allows"):
            await notebook.magic("s3", line)
    with pytest.raises(UcdhError) as raised:
        await notebook.call(open_s3, outside)
    assert raised.value.status == 403
    # Then nothing was written on either side
    assert not (workspace / "study" / "here.csv").exists()
    listed = s3.list_objects_v2(Bucket="ucdh-demo-cardiology", Prefix="mine.csv")
    assert listed["KeyCount"] == 0
    # and the allowed bucket works as before
    await notebook.magic("s3", "ls s3://ucdh-demo-shared/notes/")


async def test_the_runs_location_is_private_from_a_cell_too(
    notebook: NotebookKernel,
    run_settings: dict[str, Any],  # noqa: F811
) -> None:
    # Given the server's runs location (no allow-list: every other bucket is open)
    runs = f"s3://{run_settings['runs_bucket']}/{run_settings['runs_prefix']}"
    # When a cell lists it or writes into it, Then the server refuses both
    with pytest.raises(UsageError, match="private runs location"):
        await notebook.magic("s3", f"ls {runs}")
    with pytest.raises(UsageError, match="private runs location"):
        await notebook.magic("s3", f"put analysis.ipynb {runs}input/runner.py --overwrite")


async def test_a_server_refusal_is_one_line_that_never_shows_the_token(
    notebook: NotebookKernel, jp_serverapp: Any, capsys: Any, monkeypatch: Any
) -> None:
    token = jp_serverapp.identity_provider.token
    # When a magic fails on the server (a bad bucket name reaches the route as typed)
    client = await notebook.call(ServerClient.discover)
    with pytest.raises(UcdhError) as refused:
        await notebook.call(client.get, "s3/list", bucket="no_such_BUCKET")
    # Then the reply becomes the server's own status, code and message
    assert (refused.value.status, refused.value.code) == (400, "bad_request")
    # When the kernel holds a wrong token
    monkeypatch.setenv(ENV_TOKEN, "not-the-token")
    server_client.reset()
    with pytest.raises(UsageError) as denied:
        await notebook.magic("s3", "ls")
    # Then it is refused in one line
    assert "\n" not in str(denied.value)
    # and no message, output or exception text carries the real token
    out = capsys.readouterr()
    for text in (str(refused.value), refused.value.hint, str(denied.value), out.out, out.err):
        assert token not in text
    assert token not in repr(client)


async def test_an_unreachable_server_is_one_line_with_a_hint(
    notebook: NotebookKernel, monkeypatch: Any
) -> None:
    # Given a kernel whose server went away (a closed port)
    monkeypatch.setenv(ENV_URL, "http://127.0.0.1:9/base/")
    server_client.reset()
    # When a magic is used
    with pytest.raises(UsageError) as raised:
        await notebook.magic("ucdh_runs")
    # Then one line says which server and what to do, without the token
    text = str(raised.value)
    assert text.startswith("The Jupyter server at http://127.0.0.1:9/base/ cannot be reached")
    assert "\n" not in text and os.environ[ENV_TOKEN] not in text


@pytest.mark.parametrize("token_less", [True], indirect=True)
async def test_a_server_without_a_token_still_serves_its_kernels_changes(
    notebook: NotebookKernel,
    bucket: str,
    s3: Any,
    workspace: Path,  # noqa: F811 - the imported fixture
) -> None:
    # Given a server without a token (galata's, or one behind an authenticating proxy)
    assert ENV_TOKEN not in os.environ
    (workspace / "study" / "mine.csv").write_text("a,b\n1,2\n")
    # When a cell uploads and deletes (requests that change something)
    await notebook.magic("s3", f"put mine.csv s3://{bucket}/mine.csv")
    assert s3.get_object(Bucket=bucket, Key="mine.csv")["Body"].read() == b"a,b\n1,2\n"
    await notebook.magic("s3", f"rm s3://{bucket}/mine.csv")
    # Then both went through
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


async def run_in_a_real_kernel(server: Any, cells: list[str], folder: str) -> list[str]:
    """Start a real kernel as the server starts a notebook's (its environment included),
    run ``cells`` in it, and return what each printed (stdout, stderr, errors)."""
    manager = server.kernel_manager
    env = server.session_manager.get_kernel_env(f"{folder}/notebook.ipynb")
    kernel_id = await manager.start_kernel(path=folder, env=env)
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    outputs = []
    try:
        await client.wait_for_ready(timeout=patient(30))
        for cell in cells:
            msg_id, printed = client.execute(cell), []
            while True:
                msg = await client.get_iopub_msg(timeout=patient(30))
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    printed.append(msg["content"]["text"])
                elif msg["msg_type"] == "error":
                    printed.append("\n".join(msg["content"]["traceback"]))
                elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            outputs.append("".join(printed))
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id)
    return outputs


@pytest.mark.ucdh(**SERVER_ONLY_LIMITS, allowed_buckets=["ucdh-demo-shared"])
async def test_a_real_kernel_is_refused_what_the_server_refuses(
    jp_serverapp: Any, http_server_client: Any, ucdh_request: Any
) -> None:
    # Given limits and an allow-list given only to the server, and a notebook's real kernel
    # When its cells ask for a big GPU machine for 20 hours and list another bucket
    loaded, run, listing = await run_in_a_real_kernel(
        jp_serverapp,
        [
            "%load_ext ucdh_jupyter",
            "%ucdh_run analysis.ipynb --instance p4d.24xlarge --max-hours 20",
            "%s3 ls s3://ucdh-demo-cardiology/",
        ],
        "study",
    )
    # Then the server refused each, in one line with its own message, and nothing launched
    _, refused = await ucdh_request("POST", "runs", BIG_GPU_RUN)
    assert loaded == ""
    assert run.strip() == f"UsageError: {refused['message']} {refused['hint']}".strip()
    assert listing.strip().startswith(
        "UsageError: The bucket 'ucdh-demo-cardiology' is not one your administrator allows"
    )
    assert "\n" not in listing.strip()
    _, listed = await ucdh_request("GET", "runs")
    assert listed["runs"] == []
