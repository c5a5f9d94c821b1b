"""Every notebook example of README.md runs as written, in a real kernel of a server
set up like ``make demo`` (the seeded local AWS, a runs bucket, the wheel cache).

Which blocks are notebook code (the rule): fenced ``python``/``ipython`` blocks whose first
line is a magic (starts with ``%``) or that import from ``ucdh_jupyter``. Administrator
settings (``c.UcdhConfig.… = …`` blocks for ``jupyter_server_config.py``) and shell blocks
are not notebook code and are left out by that rule. The blocks run in README order in one
kernel, as a reader pasting them one after the other into one notebook would; a block
fails on an error, a traceback or anything on stderr, and the failure names its README line.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.demo.localaws import LocalAws

from .conftest import marked, server_settings
from .patience import patient

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\s*$")
NOTEBOOK_LANGUAGES = {"python", "ipython", "py"}
BLOCK_TIMEOUT_SECONDS = patient(30)


@dataclass(frozen=True)
class Block:
    """A fenced code block of the README: the line its code starts on, and the code."""

    line: int
    language: str
    code: str

    @property
    def is_notebook_code(self) -> bool:
        """The rule of the module docstring."""
        first = self.code.lstrip().split("\n", 1)[0]
        imports = re.search(r"^\s*(from|import) ucdh_jupyter\b", self.code, re.M)
        return self.language in NOTEBOOK_LANGUAGES and (first.startswith("%") or bool(imports))


def readme_blocks(text: str) -> list[Block]:
    """Every fenced code block of ``text``, in order."""
    blocks: list[Block] = []
    language, start, lines = None, 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        fence = FENCE.match(line)
        if language is None and fence:
            language, start, lines = fence.group(1), number + 1, []
        elif language is not None and line.strip() == "```":
            blocks.append(Block(start, language, "\n".join(lines)))
            language = None
        elif language is not None:
            lines.append(line)
    return blocks


def notebook_blocks() -> list[Block]:
    """The README's notebook examples, in order."""
    return [block for block in readme_blocks(README.read_text()) if block.is_notebook_code]


def test_the_rule_finds_the_notebook_examples_and_leaves_admin_settings_out() -> None:
    # Given the README
    blocks = readme_blocks(README.read_text())
    found = notebook_blocks()
    # Then the magic examples of Compute and S3 are notebook code
    assert any("%ucdh_instances" in block.code for block in found)
    assert any("%s3 ls" in block.code for block in found)
    # and no administrator setting or shell command is
    assert not any(re.search(r"^c\.UcdhConfig", block.code, re.M) for block in found)
    settings = [block for block in blocks if block.code.startswith("c.UcdhConfig")]
    assert settings and not any(block.is_notebook_code for block in settings)


@pytest.fixture
def local_databricks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The demo's Databricks stand-in and its token file; the user's own Databricks
    settings are hidden (``ucdh_jupyter.demo.services.hide_databricks_config``)."""
    from ucdh_jupyter.demo.databricks import LocalDatabricks

    for name in [name for name in os.environ if name.startswith("DATABRICKS_")]:
        monkeypatch.delenv(name)
    (tmp_path / "databrickscfg").write_text("")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "databrickscfg"))
    with LocalDatabricks(pending_seconds=0.3) as workspace:
        token_file = tmp_path / "databricks-token"
        token_file.write_text(workspace.token)
        yield workspace.host, str(token_file)


@pytest.fixture
def ucdh_config(
    local_aws: LocalAws,
    local_databricks: tuple[str, str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Any:
    """The demo's own settings (``ucdh_jupyter.demo.services.ucdh_settings``, what
    ``make demo`` and Binder use), with runs in a prefix and a run list of this test's own
    and a quicker heartbeat."""
    from ucdh_jupyter.demo.services import ucdh_settings

    store = str(tmp_path / "store" / "runs.sqlite")
    demo = ucdh_settings(local_aws.endpoint_url, store, local_databricks)
    demo["runs_prefix"] = f"tests/{uuid.uuid4().hex[:10]}/"
    demo["runs_heartbeat_seconds"] = 0.5
    return marked(demo, request)


@pytest.fixture
def jp_server_config(aws_env: dict[str, str], ucdh_config: dict[str, Any]) -> dict[str, Any]:
    """A server with the demo's settings."""
    return server_settings(ucdh_config)


@pytest.fixture
def jp_root_dir(tmp_path: Path) -> Path:
    """The demo's Jupyter root: its example notebooks."""
    from ucdh_jupyter.demo.services import prepare_workspace

    return prepare_workspace(tmp_path / "root")


@pytest.fixture
def written_to_s3(s3: Any) -> Iterator[None]:
    """Objects the examples write to the shared demo bucket are removed afterwards, so the
    session's other tests see the seeded data only."""
    before = {item["Key"] for item in list_all(s3, "ucdh-demo-shared")}
    yield
    for key in {item["Key"] for item in list_all(s3, "ucdh-demo-shared")} - before:
        s3.delete_object(Bucket="ucdh-demo-shared", Key=key)


def list_all(s3: Any, bucket: str) -> list[dict[str, Any]]:
    """Every object of ``bucket``."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item for page in pages for item in page.get("Contents", [])]


class ReadmeKernel:
    """A real IPython kernel started by the test server (so it inherits the server's URL
    and token as any notebook's kernel does), executing code as a notebook would."""

    def __init__(self, server: Any, kernel_id: str) -> None:
        self.server, self.kernel_id = server, kernel_id
        self.client = server.kernel_manager.get_kernel(kernel_id).client()

    async def run(self, code: str) -> tuple[str, list[str]]:
        """Execute ``code``; its reply status and the text of its error outputs."""
        problems: list[str] = []

        def output(message: dict[str, Any]) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "error":
                problems.append("\n".join(content["traceback"]))
            elif kind == "stream" and content["name"] == "stderr":
                problems.append(content["text"])
            elif kind == "stream":
                print(content["text"], end="")  # shown with a failure, as the cell showed it

        reply = await self.client.execute_interactive(
            code, output_hook=output, timeout=BLOCK_TIMEOUT_SECONDS, allow_stdin=False
        )
        return reply["content"]["status"], problems


@asynccontextmanager
async def readme_kernel(server: Any) -> AsyncIterator[ReadmeKernel]:
    """A kernel of the test server whose notebook sits in the Jupyter root; the runs the
    examples start are cancelled and their machines waited for at the end."""
    manager = server.kernel_manager
    kernel_id = await manager.start_kernel(path="")
    kernel = ReadmeKernel(server, kernel_id)
    try:
        kernel.client.start_channels()
        await kernel.client.wait_for_ready(timeout=patient(30))
        yield kernel
    finally:
        kernel.client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)
        await stop_runs(server)


async def stop_runs(server: Any) -> None:
    """Cancel every run the examples left going and wait for its stand-in machine."""
    services = server.web_app.settings["ucdh"]
    runs = services.runs
    for run in runs.store.list():
        if not run.final:
            await asyncio.to_thread(runs.cancel, run.id)
    backend = runs._backends.get("ec2")
    local = getattr(backend, "local", None)
    if local is not None:
        for run_id in list(local._machines):
            await asyncio.to_thread(local.wait, run_id, patient(60))


async def test_every_notebook_example_of_the_readme_runs_as_written(
    jp_serverapp: Any, http_server_client: Any, written_to_s3: None
) -> None:
    # Given the README's notebook examples, in order, and a kernel of a demo server
    async with readme_kernel(jp_serverapp) as kernel:
        for block in notebook_blocks():
            # When each is run in that kernel, as pasted
            status, problems = await kernel.run(block.code)
            # Then it succeeds with no error output
            where = f"README.md line {block.line}"
            assert status == "ok" and not problems, f"{where} failed:\n" + "\n".join(problems)


async def test_a_magic_error_in_a_real_kernel_is_one_line_without_traceback(
    jp_serverapp: Any, http_server_client: Any, tmp_path: Path
) -> None:
    # Given a kernel of the demo server
    missing = tmp_path / "out" / "results.csv"
    async with readme_kernel(jp_serverapp) as kernel:
        await kernel.run("%load_ext ucdh_jupyter")
        # When a researcher lists a bucket that does not exist, or sends a missing file
        listed = await kernel.run("%s3 ls s3://ucdh-no-such-bucket/")
        sent = await kernel.run(f"%s3 put {missing} s3://ucdh-demo-shared/results/")
    # Then each is one line, the second with the path exactly as typed
    assert listed == (
        "error",
        [
            "UsageError: The specified bucket does not exist. Check the name and that it still "
            "exists.\n"
        ],
    )
    assert sent == ("error", [f"UsageError: {missing} does not exist.\n"])


@pytest.mark.ucdh(endpoint_url="http://127.0.0.1:9")
async def test_unreachable_aws_is_one_line_in_a_real_kernel(
    jp_serverapp: Any, http_server_client: Any
) -> None:
    # Given a demo server whose AWS does not answer
    async with readme_kernel(jp_serverapp) as kernel:
        await kernel.run("%load_ext ucdh_jupyter")
        # When the researcher asks for GPU types
        status, problems = await kernel.run("%ucdh_instances --gpu")
    # Then the server's translation is the one line shown, with no botocore frame
    assert status == "error" and len(problems) == 1
    assert problems[0].startswith("UsageError: AWS could not be reached.")
    assert problems[0].count("\n") == 1
