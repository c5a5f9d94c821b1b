"""A switched-off feature is off on the server, not only hidden in the UI: the whole matrix
of ``enable_s3`` / ``enable_compute`` / ``enable_runs``.

Routes are enumerated from the running server (as in ``test_route_security``), so a
route added later without the right ``feature`` fails here automatically.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter import open_s3
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.notebook.kernel import FEATURE_MAGICS
from ucdh_jupyter.widgets import InstancePicker, RunStatus

from .conftest import NotebookKernel
from .patience import patient
from .test_route_security import implemented_verbs, registered_routes

FEATURES = ("s3", "compute", "runs")
MATRIX = [dict(zip(FEATURES, on, strict=True)) for on in itertools.product((True, False), repeat=3)]


def matrix_id(switches: dict[str, bool]) -> str:
    return "-".join(f"{name}_{'on' if on else 'off'}" for name, on in switches.items())


@pytest.fixture(params=MATRIX, ids=matrix_id)
def switches(request: pytest.FixtureRequest) -> dict[str, bool]:
    """One combination of the three switches."""
    return dict(request.param)


@pytest.fixture
def ucdh_config(ucdh_config: dict[str, Any], switches: dict[str, bool]) -> dict[str, Any]:
    """The local settings with the combination's switches."""
    return {**ucdh_config, **{f"enable_{name}": on for name, on in switches.items()}}


def feature_of(path: str, base_url: str) -> str | None:
    """The feature a route belongs to, from its URL alone: ``s3/…``, ``compute/…``,
    ``runs…`` and ``schedules…`` (runs that recur); ``status`` and ``config`` belong to
    none."""
    first = path[len(base_url) :].removeprefix("ucdh-jupyter/").split("/")[0]
    first = {"schedules": "runs"}.get(first, first)
    return first if first in FEATURES else None


def switched_off(feature: str | None, switches: dict[str, bool]) -> bool:
    """Whether a route of ``feature`` is refused: its switch is off. The compute routes
    (catalog, estimate) also serve the run dialog's machine picker, so they stay open
    while runs are on (the Compute section, magics and widget are gone all the same)."""
    if feature is None:
        return False
    if feature == "compute":
        return not switches["compute"] and not switches["runs"]
    return not switches[feature]


async def test_every_route_of_a_switched_off_feature_answers_feature_disabled(
    switches: dict[str, bool], jp_serverapp: Any, jp_fetch: Any, jp_base_url: str
) -> None:
    routes = registered_routes(jp_serverapp.web_app)
    assert len(routes) > 20
    for path, handler in routes:
        # Every handler class names the feature its URL belongs to
        feature = feature_of(path, jp_base_url)
        assert handler.feature == feature, (path, handler.__name__)
        for verb in implemented_verbs(handler):
            # When a logged-in user calls it
            response = await jp_fetch(
                path[len(jp_base_url) :],
                method=verb,
                body=b"{}" if verb in ("POST", "PUT", "PATCH") else None,
                allow_nonstandard_methods=True,
                raise_error=False,
                # The first catalog builds ~1,400 types from the local AWS: slow on a busy box.
                request_timeout=patient(40),
            )
            body = json.loads(response.body or b"{}") if response.body[:1] == b"{" else {}
            disabled = response.code == 403 and body.get("code") == "feature_disabled"
            # Then a route of an off feature refuses, and only those do
            off = switched_off(feature, switches)
            assert disabled == off, (verb, path, response.code, body)
            if off:
                assert f"UcdhConfig.enable_{feature}" in body["hint"]


async def test_only_the_magics_and_widgets_of_switched_on_features_exist(
    switches: dict[str, bool], kernel: NotebookKernel, capsys: Any
) -> None:
    # When a notebook loads the extension
    await kernel.load()
    # Then exactly the magics of the features that are on are there
    for feature, names in FEATURE_MAGICS.items():
        for name in names:
            found = kernel.shell.find_line_magic(name) is not None
            assert found == switches[feature], (feature, name)
    # and a magic of an off feature is unknown to IPython
    if not switches["s3"]:
        with pytest.raises(UsageError, match="Line magic function `%s3` not found"):
            await kernel.magic("s3", "ls")
        # and open_s3 gets the server's refusal
        with pytest.raises(UcdhError) as refused:
            await kernel.call(open_s3, "s3://ucdh-demo-shared/notes/no-extension")
        assert (refused.value.status, refused.value.code) == (403, "feature_disabled")
    # and a widget of an off feature refuses to build, in one line
    if not switches["compute"]:
        with pytest.raises(UsageError) as picker:
            await kernel.call(InstancePicker)
        assert str(picker.value) == (
            "The instance picker is switched off on this server. "
            "Ask your administrator (UcdhConfig.enable_compute)."
        )
    if not switches["runs"]:
        with pytest.raises(UsageError, match=r"Running notebooks is switched off.*enable_runs"):
            await kernel.call(RunStatus, "01J0000000000000000000000A")
    # and loading said nothing (no traceback, no warning)
    assert capsys.readouterr().out == ""
