"""The notebook side of the picker: ``%ucdh_instances``, ``%ucdh_estimate``, ``InstancePicker``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter import kernel
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_REGION
from ucdh_jupyter.magics import UcdhMagics
from ucdh_jupyter.services import UcdhServices
from ucdh_jupyter.widgets import InstancePicker


@pytest.fixture
def services(aws_env: Any, local_aws: Any) -> Any:
    built = UcdhServices(
        UcdhConfig(mode="local", endpoint_url=local_aws.endpoint_url, region=DEMO_REGION)
    )
    yield built
    built.close()


@pytest.fixture
def magics(services: UcdhServices) -> UcdhMagics:
    return UcdhMagics(None, lambda: services)


def test_ucdh_instances_prints_a_table_of_matching_types(
    magics: UcdhMagics, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a researcher asks for GPU machines with 64 GiB or more under $3/hour
    magics.ucdh_instances("--gpu --min-memory 64 --max-price 3")
    out = capsys.readouterr().out
    # Then a table lists them cheapest first, with the GPU and the price, and the price source
    lines = out.splitlines()
    assert "instance types in us-east-1 match" in lines[0]
    assert lines[1].split() == ["type", "vCPU", "GiB", "GPU", "$/hour", "note"]
    assert lines[3].split()[:4] == ["g4dn.4xlarge", "16", "64", "1"]
    assert "NVIDIA T4 (16 GiB)" in lines[3] and "$1.2040" in lines[3]
    assert "Prices: bundled, as of 2026-07-20." in out


def test_ucdh_estimate_prints_the_range_and_its_breakdown(
    magics: UcdhMagics, capsys: pytest.CaptureFixture[str]
) -> None:
    magics.ucdh_estimate("m5.2xlarge --hours 3")
    single = capsys.readouterr().out
    assert single.splitlines()[0] == "m5.2xlarge on EC2, 1 machine(s), 3 hours: $1.15 USD"
    assert "60-second minimum" in single and "Not included: Savings Plans" in single
    magics.ucdh_estimate("m5.2xlarge --hours 2-4 --on databricks --workers 2")
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
def test_ucdh_estimate_bad_input_is_a_usage_error_with_the_reason(
    magics: UcdhMagics, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        magics.ucdh_estimate(line)


def test_load_ext_registers_the_magics_on_services_from_the_environment(
    loaded_shell: Any, capsys: Any
) -> None:
    # Given a kernel started by the demo (UCDH_JUPYTER_MODE / _ENDPOINT_URL set) that
    # loaded the extension, when the notebook uses a magic
    loaded_shell.run_line_magic("ucdh_estimate", "t3.micro --hours 1")
    # Then it runs against the local AWS, with the bundled prices
    assert "t3.micro on EC2" in capsys.readouterr().out
    assert kernel.kernel_services().config.mode == "local"


def test_kernel_reads_the_admins_limits_from_the_server_config_files(
    jp_environ: Any, jp_config_dir: Path
) -> None:
    # Given an admin's limits in the server config, and a broken snippet beside them
    (jp_config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"UcdhConfig": {"max_price_per_hour": 1.5, "allowed_instance_families": ["t3"]}})
    )
    snippets = jp_config_dir / "jupyter_server_config.d"
    snippets.mkdir()
    (snippets / "broken.json").write_text("{not json")
    # When the kernel builds its config
    with pytest.warns(UserWarning, match="broken.json"):
        config = kernel.kernel_config({"UCDH_JUPYTER_MODE": "local"})
    # Then the magics and widgets see the same limits as the server
    assert config.max_price_per_hour == 1.5
    assert config.allowed_instance_families == ["t3"]
    assert config.mode == "local"


def test_instance_picker_value_follows_presets_and_shows_price_and_estimate(
    services: UcdhServices,
) -> None:
    # Given a picker for a 2-4 hour job
    picker = InstancePicker(hours=(2, 4), services=services)
    # Then it starts on the Small preset's type, with its price and the estimate
    assert picker.value == "m6i.large"
    assert "m6i.large</b>: $0.0960/hour" in picker.summary.value
    assert "$0.19 &ndash; $0.38" in picker.summary.value
    assert "Prices: bundled, as of 2026-07-20" in picker.prices.value
    # When the user chooses the GPU preset
    picker.preset.value = "gpu"
    # Then only GPU types are offered and the value is the preset's GPU type
    assert picker.value == "g4dn.xlarge"
    assert all("NVIDIA" in label for label, _ in picker.types.options)
    # When the user picks m5.2xlarge and types 2.5 hours
    picker.preset.value = ""
    picker.types.value = "m5.2xlarge"
    picker.hours_low.value = picker.hours_high.value = 2.5
    # Then the value and the estimate follow: 2.5 h x $0.384 = $0.96
    assert picker.value == "m5.2xlarge"
    assert "estimate for 2.5 h: <b>$0.96</b>" in picker.summary.value
    labels = dict((value, label) for label, value in picker.types.options)
    assert labels["m5.2xlarge"] == "m5.2xlarge - 8 vCPU, 32 GiB, $0.3840/h"


def test_instance_picker_offers_only_allowed_types_and_prices_databricks_nodes(
    aws_env: Any, local_aws: Any
) -> None:
    # Given an admin who allows only the m5 family, and a 2-worker Databricks job
    config = UcdhConfig(
        mode="local",
        endpoint_url=local_aws.endpoint_url,
        region=DEMO_REGION,
        allowed_instance_families=["m5"],
    )
    services = UcdhServices(config)
    try:
        picker = InstancePicker(services=services, backend="databricks", workers=2, hours=1)
        # Then only m5 types are offered, and the Small preset suggests its m5 candidate
        assert {value.split(".")[0] for _, value in picker.types.options} == {"m5"}
        assert picker.value == "m5.large"
        # and a node's price includes its DBUs: 3 x (0.384 + 1.37 x 0.15) = $1.7685/hour
        picker.types.value = "m5.2xlarge"
        assert "$1.7685/hour on 3 nodes" in picker.summary.value
    finally:
        services.close()
