"""The notebook side of the picker: ``%ucdh_instances``, ``%ucdh_estimate``, ``InstancePicker``."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter.widgets import InstancePicker

from .conftest import NotebookKernel


@pytest.fixture
def magics(kernel: NotebookKernel) -> NotebookKernel:
    """A kernel of the test server (``%load_ext ucdh_jupyter`` at its first magic)."""
    return kernel


async def test_ucdh_instances_prints_a_table_of_matching_types(
    magics: NotebookKernel, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a researcher asks for GPU machines with 64 GiB or more under $3/hour
    await magics.magic("ucdh_instances", "--gpu --min-memory 64 --max-price 3")
    out = capsys.readouterr().out
    # Then a table lists them cheapest first, with the GPU and the price, and the price source
    lines = out.splitlines()
    assert "instance types in us-east-1 match" in lines[0]
    assert lines[1].split() == ["type", "vCPU", "GiB", "GPU", "$/hour", "note"]
    assert lines[3].split()[:4] == ["g4dn.4xlarge", "16", "64", "1"]
    assert "NVIDIA T4 (16 GiB)" in lines[3] and "$1.2040" in lines[3]
    assert "AWS list prices, us-east-1, 2026-07-20 (bundled)." in out


async def test_ucdh_estimate_prints_the_range_and_its_breakdown(
    magics: NotebookKernel, capsys: pytest.CaptureFixture[str]
) -> None:
    await magics.magic("ucdh_estimate", "m5.2xlarge --hours 3")
    single = capsys.readouterr().out
    assert single.splitlines()[0] == "m5.2xlarge on EC2, 1 machine(s), 3 hours: $1.15 USD"
    assert "60-second minimum" in single and "Not included: Savings Plans" in single
    await magics.magic("ucdh_estimate", "m5.2xlarge --hours 2-4 --on databricks --workers 2")
    cluster = capsys.readouterr().out
    # (3 x 0.384 + 3 x 1.37 x 0.15) x 2..4 h
    assert "3 machine(s), 2-4 hours: $3.54 - $7.07 USD" in cluster
    assert "2 workers + 1 driver" in cluster


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("m5.2xlarge --hours two", "--hours takes a number or a range"),
        ("m5.huge --hours 1", "Unknown instance type 'm5.huge'"),
        ("m5.large --hours 1000", "longest run allowed"),
        ("m5.large --hours 1 --workers 2", "--workers is for --on databricks"),
    ],
)
async def test_ucdh_estimate_bad_input_is_a_usage_error_with_the_reason(
    magics: NotebookKernel, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        await magics.magic("ucdh_estimate", line)


async def test_instance_picker_value_follows_presets_and_shows_price_and_estimate(
    kernel: NotebookKernel,
) -> None:
    # Given a picker for a 2-4 hour job
    picker = await kernel.call(InstancePicker, hours=(2, 4))
    # Then it starts on the Small preset's type, with its price and the estimate
    assert picker.value == "m6i.large"
    assert "m6i.large</b>: $0.0960/hour" in picker.summary.value
    assert "$0.19 &ndash; $0.38" in picker.summary.value
    assert "AWS list prices, us-east-1, 2026-07-20 (bundled)" in picker.prices.value
    # When the user chooses the GPU preset
    await kernel.call(setattr, picker.preset, "value", "gpu")
    # Then only GPU types are offered and the value is the preset's GPU type
    assert picker.value == "g4dn.xlarge"
    assert all("NVIDIA" in label for label, _ in picker.types.options)
    # When the user picks m5.2xlarge and types 2.5 hours
    await kernel.call(setattr, picker.preset, "value", "")
    await kernel.call(setattr, picker.types, "value", "m5.2xlarge")
    await kernel.call(setattr, picker.hours_low, "value", 2.5)
    await kernel.call(setattr, picker.hours_high, "value", 2.5)
    # Then the value and the estimate follow: 2.5 h x $0.384 = $0.96
    assert picker.value == "m5.2xlarge"
    assert "estimate for 2.5 h: <b>$0.96</b>" in picker.summary.value
    labels = dict((value, label) for label, value in picker.types.options)
    assert labels["m5.2xlarge"] == "m5.2xlarge - 8 vCPU, 32 GiB, $0.3840/h"


@pytest.mark.ucdh(allowed_instance_families=["m5"])
async def test_instance_picker_offers_only_allowed_types_and_prices_databricks_nodes(
    kernel: NotebookKernel,
) -> None:
    # Given a server that allows only the m5 family, and a 2-worker Databricks job
    picker = await kernel.call(InstancePicker, backend="databricks", workers=2, hours=1)
    # Then only m5 types are offered, and the Small preset suggests its m5 candidate
    assert {value.split(".")[0] for _, value in picker.types.options} == {"m5"}
    assert picker.value == "m5.large"
    # and a node's price includes its DBUs: 3 x (0.384 + 1.37 x 0.15) = $1.7685/hour
    await kernel.call(setattr, picker.types, "value", "m5.2xlarge")
    assert "$1.7685/hour on 3 nodes" in picker.summary.value


def test_magics_and_widgets_outside_jupyter_say_so_in_one_line(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from ucdh_jupyter import server_client

    # Given a plain IPython, no Jupyter server published or running for its folder
    for name in (server_client.ENV_URL, server_client.ENV_TOKEN, server_client.ENV_ROOT):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    server_client.reset()
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    try:
        # When the extension is loaded and a magic and a widget are used
        shell.run_line_magic("load_ext", "ucdh_jupyter")
        loaded = capsys.readouterr().out
        with pytest.raises(UsageError) as magic:
            shell.run_line_magic("ucdh_estimate", "t3.micro --hours 1")
        with pytest.raises(UsageError) as widget:
            InstancePicker()
    finally:
        InteractiveShell.clear_instance()
        server_client.reset()
    # Then each says in one line that there is no server, with what to do
    assert loaded.strip().count("\n") == 0
    assert "No Jupyter server with ucdh-jupyter was found" in loaded
    for raised in (magic, widget):
        assert str(raised.value).startswith("No Jupyter server with ucdh-jupyter was found")
        assert "UCDH_JUPYTER_SERVER_URL" in str(raised.value)
