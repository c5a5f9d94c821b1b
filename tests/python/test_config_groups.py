"""The settings declared per area still read as one ``c.UcdhConfig`` namespace, and each
bound an administrator can hit is refused naming the setting and the bound."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets import TraitError
from traitlets.config import Application, Config, Configurable

from ucdh_jupyter.config import UcdhConfig

MiB = 1024**2


def test_every_setting_is_one_ucdh_config_trait_listed_in_the_help() -> None:
    # Given the settings, declared in one module per area
    settings = UcdhConfig.class_traits(config=True)
    # When an administrator reads `jupyter server --help-all`
    shown = UcdhConfig.class_get_help()
    # Then every setting is listed under UcdhConfig, with its help text
    for name, trait in settings.items():
        assert f"--UcdhConfig.{name}=" in shown
        assert trait.help, name
    # And no area became a config section of its own (c.S3Settings would mean nothing)
    assert [cls for cls in UcdhConfig.__mro__ if issubclass(cls, Configurable)] == [
        UcdhConfig,
        Configurable,
    ]


def test_settings_of_every_area_are_read_from_the_command_line_and_config_files() -> None:
    # Given settings of several areas, on the command line and in a config file
    app = Application()
    app.classes = [UcdhConfig]
    app.parse_command_line(
        [
            "--UcdhConfig.mode=local",
            "--UcdhConfig.allowed_buckets=study-a",
            "--UcdhConfig.allowed_buckets=study-b",
            "--UcdhConfig.databricks_cluster_modes=serverless",
            "--UcdhConfig.audit_log_backups=3",
        ]
    )
    app.update_config(Config({"UcdhConfig": {"runs_volume_gb": 50, "enable_runs": False}}))
    # When the server builds its settings
    config = UcdhConfig(config=app.config)
    # Then each one lands on the same UcdhConfig
    assert config.mode == "local"
    assert config.allowed_buckets == ["study-a", "study-b"]
    assert config.databricks_cluster_modes == ["serverless"]
    assert (config.audit_log_backups, config.runs_volume_gb, config.enable_runs) == (3, 50, False)
    # And a default that reads another area's setting still follows it
    assert config.run_backends["ec2"] == "ucdh_jupyter.demo.ec2.LocalEc2Backend"


@pytest.mark.parametrize(
    ("name", "refused", "bound", "accepted"),
    [
        ("s3_part_size", 5 * MiB - 1, "less than 5242880", 5 * MiB),
        ("s3_part_size", 5 * 1024 * MiB + 1, "greater than 5368709120", 5 * 1024 * MiB),
        ("s3_max_concurrency", 0, "less than 1", 1),
        ("s3_max_concurrency", 65, "greater than 64", 64),
        ("s3_presign_expiry", 0, "less than 1", 1),
        ("s3_presign_expiry", 3601, "greater than 3600", 3600),
        ("max_price_per_hour", -0.01, "less than 0", 0.0),
        ("max_gpus", -1, "less than 0", 0),
        ("max_runtime_hours", 0, "above 0", 0.1),
        ("max_runtime_hours", 744.5, "greater than 744", 744),
        ("ebs_price_per_gb_month", -0.01, "less than 0", 0.0),
        ("pricing_cache_ttl_hours", -1, "less than 0", 0.0),
        ("databricks_dbu_per_vcpu_hour", -0.01, "less than 0", 0.0),
        ("databricks_price_per_dbu", -0.01, "less than 0", 0.0),
        ("databricks_max_workers", -1, "less than 0", 0),
        ("databricks_max_workers", 1001, "greater than 1000", 1000),
        ("databricks_default_workers", 1001, "greater than 1000", 0),
        ("runs_volume_gb", 0, "less than 1", 1),
        ("runs_heartbeat_seconds", 0, "above 0", 0.5),
        ("runs_heartbeat_seconds", 31, "greater than 30", 30),
        ("reaper_interval_seconds", 0, "above 0", 0.5),
        ("runs_default_max_hours", 0, "above 0", 0.5),
        ("runs_budget_per_run_usd", 0, "above 0", 0.01),
        ("runs_max_notebook_mb", 0, "above 0", 0.5),
        ("runs_max_files_mb", 0, "above 0", 0.5),
        ("audit_log_max_mb", 0, "above 0", 0.002),
        ("audit_log_backups", 0, "less than 1", 1),
    ],
)
def test_a_setting_outside_its_bounds_is_refused_naming_it_and_the_bound(
    name: str, refused: Any, bound: str, accepted: Any
) -> None:
    # Given a value just outside what the setting allows
    # When the server reads it
    with pytest.raises(TraitError) as error:
        UcdhConfig(**{name: refused})
    # Then the administrator is told which setting and which bound
    assert f"'{name}' trait" in str(error.value)
    assert bound in str(error.value)
    # And the bound itself (or a value inside) is taken as given
    assert getattr(UcdhConfig(**{name: accepted}), name) == accepted


def test_mode_is_aws_or_local_and_says_so() -> None:
    # Given a mode that is neither
    # When the server reads it
    with pytest.raises(TraitError) as error:
        UcdhConfig(mode="prod")
    # Then the message names the setting and both choices
    assert "'mode' trait" in str(error.value)
    assert "['aws', 'local']" in str(error.value)
