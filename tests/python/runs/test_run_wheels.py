"""The package source of run machines and the S3 wheel cache: what lets a run install its
packages in a private subnet with no internet (only the S3 gateway endpoint).

The wheelhouse is built in each test from two toy packages (one needs the other), so
pip works for real and offline."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.runs.model import new_run_id
from ucdh_jupyter.runs.records import RunRecords
from ucdh_jupyter.runs.service import RunService
from ucdh_jupyter.runs.wheels import WHEELS_KEY, WheelCache, package_source

from ..conftest import marked
from .conftest import RUNS_BUCKET

APP, BASE = "toy_app-2.0-py3-none-any.whl", "toy_base-1.0-py3-none-any.whl"
KEY = "arn:aws:kms:us-east-1:123456789012:key/ucdh-wheels"


def build_wheel(folder: Path, name: str, version: str, *metadata: str) -> Path:
    """A real pure-Python wheel of ``name`` (what ``pip wheel`` makes of a toy package)."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist}/METADATA": "\n".join(
            [
                "Metadata-Version: 2.1",
                f"Name: {name.replace('_', '-')}",
                f"Version: {version}",
                *metadata,
            ]
        )
        + "\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{path},sha256={encoded},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    """toy-app 2.0 (needs toy-base), toy-base 1.0, and toy-new 3.0 for Python >= 3.12 only."""
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    build_wheel(folder, "toy_base", "1.0")
    build_wheel(folder, "toy_app", "2.0", "Requires-Dist: toy-base>=1.0")
    build_wheel(folder, "toy_new", "3.0", "Requires-Python: >=3.12")
    return folder


def cache_for(run_settings: dict[str, Any], wheelhouse: Path, **extra: Any) -> WheelCache:
    """The wheel cache of a server with ``run_settings`` and the wheelhouse."""
    config = UcdhConfig(
        **{**run_settings, "runs_wheel_cache": True, "runs_wheelhouse": str(wheelhouse), **extra}
    )
    aws = AwsClients(config)
    records = RunRecords(aws.client("s3"), RUNS_BUCKET, config.runs_prefix, config.kms_key_id)
    return WheelCache(config, records)


def cached(s3: Any, prefix: str) -> dict[str, str]:
    """File name → ETag of each wheel under the cache prefix."""
    reply = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=f"{prefix}wheels/")
    return {i["Key"].rsplit("/", 1)[1]: i["ETag"] for i in reply.get("Contents", [])}


def answer(s3: Any, prefix: str, run_id: str) -> dict[str, Any]:
    """The run's ``input/wheels.json``, as the instance reads it."""
    body = s3.get_object(Bucket=RUNS_BUCKET, Key=f"{prefix}{run_id}/{WHEELS_KEY}")["Body"]
    return dict(json.loads(body.read()))


def test_fill_caches_the_wheels_and_their_dependencies_and_tells_the_run_which(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str]
) -> None:
    # Given a wheel cache filled from a wheelhouse, and a run that needs toy-app
    cache = cache_for(run_settings, wheelhouse)
    run_id, prefix = new_run_id(), run_settings["runs_prefix"]
    # When the server fills it for the instance's Python and architecture
    names = cache.fill(run_id, ["toy-app==2.0  # the model"], "3.11", "x86_64")
    # Then toy-app and the toy-base it needs are in the cache, and the run lists both
    assert names == [APP, BASE]
    assert set(cached(s3, prefix)) == {APP, BASE}
    assert answer(s3, prefix, run_id) == {"wheels": [APP, BASE]}


def test_a_second_fill_uploads_nothing_already_cached(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str]
) -> None:
    # Given a cache already holding toy-app and toy-base
    cache = cache_for(run_settings, wheelhouse)
    prefix = run_settings["runs_prefix"]
    cache.fill(new_run_id(), ["toy-app==2.0"], "3.11", "x86_64")
    before = {
        name: s3.head_object(Bucket=RUNS_BUCKET, Key=f"{prefix}wheels/{name}")["LastModified"]
        for name in (APP, BASE)
    }
    # When another run needs the same packages (on arm64 this time: pure-Python wheels fit)
    second = new_run_id()
    names = cache.fill(second, ["toy-base", "toy-app"], "3.12", "arm64")
    # Then no wheel was written again, and the second run still lists both
    after = {
        name: s3.head_object(Bucket=RUNS_BUCKET, Key=f"{prefix}wheels/{name}")["LastModified"]
        for name in (APP, BASE)
    }
    assert after == before
    assert names == [APP, BASE] and answer(s3, prefix, second) == {"wheels": [APP, BASE]}


def test_a_missing_package_fails_the_run_with_its_name_and_python(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str]
) -> None:
    # Given a run needing a package the wheelhouse lacks
    cache = cache_for(run_settings, wheelhouse)
    run_id, prefix = new_run_id(), run_settings["runs_prefix"]
    # When the cache is filled
    names = cache.fill(run_id, ["toy-app==2.0", "pandas==3.1.1"], "3.11", "x86_64")
    # Then nothing is listed and the run's file names the package, Python and architecture
    assert names == []
    error = answer(s3, prefix, run_id)["error"]
    assert "pandas==3.1.1 has no wheel for Python 3.11 on x86_64" in error
    assert "runs_wheelhouse" in error


def test_a_package_for_a_newer_python_says_which_python_it_needs(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str]
) -> None:
    # Given a package that requires Python 3.12, for a machine with Python 3.11
    cache = cache_for(run_settings, wheelhouse)
    run_id, prefix = new_run_id(), run_settings["runs_prefix"]
    # When the cache is filled
    cache.fill(run_id, ["toy-new==3.0"], "3.11", "x86_64")
    # Then the run's error says what it needs and what the machine has
    error = answer(s3, prefix, run_id)["error"]
    assert "toy-new needs Python >=3.12, the run's machine uses Python 3.11" in error


@pytest.mark.parametrize(
    "line",
    [
        "--index-url=https://attacker.example/simple",
        "toy-app @ file:///etc/passwd",
        "-r /etc/shadow",
    ],
    ids=["option", "url", "requirements-file"],
)
def test_a_requirement_that_is_not_a_package_never_reaches_pip(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str], line: str
) -> None:
    # Given a requirements line from the notebook's folder that is an option, URL or path
    cache = cache_for(run_settings, wheelhouse)
    run_id, prefix = new_run_id(), run_settings["runs_prefix"]
    # When the cache is filled
    names = cache.fill(run_id, ["toy-base", line], "3.11", "x86_64")
    # Then pip fetched nothing and the run says which line it refused
    assert names == [] and cached(s3, prefix) == {}
    assert repr(line) in answer(s3, prefix, run_id)["error"]


def test_cached_wheels_are_encrypted_with_the_configured_kms_key(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str]
) -> None:
    # Given SSE-KMS configured for the runs bucket
    cache = cache_for(run_settings, wheelhouse, kms_key_id=KEY)
    run_id, prefix = new_run_id(), run_settings["runs_prefix"]
    # When the cache is filled
    cache.fill(run_id, ["toy-app"], "3.11", "x86_64")
    # Then every cached wheel and the run's wheels.json are SSE-KMS under that key
    keys = [f"{prefix}wheels/{APP}", f"{prefix}wheels/{BASE}", f"{prefix}{run_id}/{WHEELS_KEY}"]
    for key in keys:
        head = s3.head_object(Bucket=RUNS_BUCKET, Key=key)
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", KEY)


def test_a_rebuilt_wheel_of_another_size_replaces_the_cached_one(
    run_settings: dict[str, Any], wheelhouse: Path, s3: Any, aws_env: dict[str, str]
) -> None:
    # Given a cached toy-base, then rebuilt in the wheelhouse with other content
    cache = cache_for(run_settings, wheelhouse)
    prefix = run_settings["runs_prefix"]
    cache.fill(new_run_id(), ["toy-base"], "3.11", "x86_64")
    before = cached(s3, prefix)[BASE]
    build_wheel(wheelhouse, "toy_base", "1.0", "Summary: rebuilt with a fix")
    # When the next run fills the cache
    cache.fill(new_run_id(), ["toy-base"], "3.11", "x86_64")
    # Then the cache holds the new build, not the stale one
    assert cached(s3, prefix)[BASE] != before


@pytest.mark.parametrize(
    ("settings", "kind", "label"),
    [
        (
            {
                "runs_codeartifact_domain": "ucdh",
                "runs_codeartifact_repository": "pypi-mirror",
                "runs_pip_index_url": "https://mirror.example/simple",
                "runs_wheel_cache": True,
            },
            "codeartifact",
            "CodeArtifact repository pypi-mirror in domain ucdh",
        ),
        (
            {
                "runs_pip_index_url": "https://ada:s3cret@mirror.example:8443/pypi/simple",
                "runs_wheel_cache": True,
            },
            "index",
            "the package index https://mirror.example:8443",
        ),
        ({"runs_wheel_cache": True}, "wheel_cache", "the S3 wheel cache (no internet needed)"),
        ({}, "pypi", "the public PyPI (needs internet)"),
    ],
    ids=["codeartifact-first", "index-before-cache", "wheel-cache", "pypi"],
)
def test_package_source_follows_the_precedence_and_never_shows_a_credential(
    settings: dict[str, Any], kind: str, label: str
) -> None:
    # Given the administrator's package settings
    # When the source is described
    source = package_source(UcdhConfig(**settings))
    # Then the strongest setting wins, said for people, with no password in it
    assert source == {"kind": kind, "label": label}


@pytest.mark.parametrize(
    "half",
    [
        {"runs_codeartifact_domain": "ucdh"},
        {"runs_codeartifact_repository": "pypi-mirror"},
        {"runs_codeartifact_domain_owner": "111122223333"},
    ],
    ids=["domain-only", "repository-only", "owner-only"],
)
def test_half_a_codeartifact_setting_is_refused_at_startup_naming_both(
    half: dict[str, str],
) -> None:
    # Given a CodeArtifact setting without its partner
    # When the server reads its config
    with pytest.raises(
        ValueError, match="runs_codeartifact_domain and runs_codeartifact_repository"
    ):
        UcdhConfig(**half)
    # Then it refuses to start with that config, instead of silently installing from PyPI


def test_the_run_dialog_says_where_packages_come_from(
    run_settings: dict[str, Any], workspace: Path, aws_env: dict[str, str]
) -> None:
    # Given a server whose runs install from the wheel cache
    config = UcdhConfig(**{**run_settings, "runs_wheel_cache": True})
    service = RunService.from_config(config, AwsClients(config))
    # When the run dialog is prepared
    dialog = service.prepare("study/analysis.ipynb", workspace)
    service.close()
    # Then it says so
    assert dialog["package_source"] == {
        "kind": "wheel_cache",
        "label": "the S3 wheel cache (no internet needed)",
    }


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The server's settings: runs on the local AWS, changed by a ``ucdh`` marker."""
    return marked(run_settings, request)


@pytest.mark.ucdh(runs_pip_index_url="https://ada:s3cret@mirror.example/simple")
async def test_the_status_reply_says_where_packages_come_from_without_credentials(
    get_json: Any,
) -> None:
    # Given a server whose runs install from a package index with credentials in its URL
    # When the sidebar asks for the status
    status, body = await get_json("status")
    # Then it names the index's host only
    assert status == 200
    assert body["package_source"] == {
        "kind": "index",
        "label": "the package index https://mirror.example",
    }
    assert "s3cret" not in json.dumps(body)


@pytest.mark.ucdh(enable_runs=False)
async def test_the_status_reply_has_no_package_source_when_runs_are_off(get_json: Any) -> None:
    # Given runs switched off
    # When the sidebar asks for the status
    status, body = await get_json("status")
    # Then no package source is shown
    assert (status, body["package_source"]) == (200, None)
