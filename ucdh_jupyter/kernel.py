"""The services of the notebook side (magics, widgets), built inside the kernel.

A kernel has no Jupyter server, so it reads the server's own config files
(``jupyter_server_config.{json,py}`` and ``jupyter_server_config.d/*.json`` on the
Jupyter config path) to see the admin's limits and rates, then takes the mode, the
endpoint, the runs bucket and run store from ``UCDH_JUPYTER_MODE`` /
``UCDH_JUPYTER_ENDPOINT_URL`` / ``UCDH_JUPYTER_RUNS_BUCKET`` / ``UCDH_JUPYTER_RUNS_STORE``
and the Databricks workspace from ``UCDH_JUPYTER_DATABRICKS_HOST`` /
``UCDH_JUPYTER_DATABRICKS_TOKEN_FILE`` (the demo sets them for its kernels). Runs submitted from a
magic obey the limits of those files; settings given only on the server's command line
are not seen here.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path

from traitlets.config import Config

from .config import UcdhConfig
from .services import UcdhServices

ENV_MODE = "UCDH_JUPYTER_MODE"
ENV_ENDPOINT = "UCDH_JUPYTER_ENDPOINT_URL"
ENV_RUNS_BUCKET = "UCDH_JUPYTER_RUNS_BUCKET"
ENV_RUNS_STORE = "UCDH_JUPYTER_RUNS_STORE"
ENV_DATABRICKS_HOST = "UCDH_JUPYTER_DATABRICKS_HOST"
ENV_DATABRICKS_TOKEN_FILE = "UCDH_JUPYTER_DATABRICKS_TOKEN_FILE"  # noqa: S105 - a name
# Environment variable → the UcdhConfig setting it overrides in the kernel.
ENV_SETTINGS = {
    ENV_MODE: "mode",
    ENV_ENDPOINT: "endpoint_url",
    ENV_RUNS_BUCKET: "runs_bucket",
    ENV_RUNS_STORE: "runs_store_path",
    ENV_DATABRICKS_HOST: "databricks_host",
    ENV_DATABRICKS_TOKEN_FILE: "databricks_token_file",
}
CONFIG_NAME = "jupyter_server_config"

_lock = threading.Lock()
_services: UcdhServices | None = None


def server_config_files() -> Config:
    """The merged Jupyter server configuration, lowest-priority directory first."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    merged = Config()
    for directory in reversed(jupyter_config_path()):
        base = Path(directory)
        paths = [
            *sorted((base / f"{CONFIG_NAME}.d").glob("*.json")),
            base / f"{CONFIG_NAME}.json",
            base / f"{CONFIG_NAME}.py",
        ]
        for path in paths:
            if not path.is_file():
                continue
            loader = PyFileConfigLoader if path.suffix == ".py" else JSONFileConfigLoader
            try:
                merged.merge(loader(path.name, path=str(path.parent)).load_config())
            except Exception as exc:  # a broken admin file must not break the notebook
                warnings.warn(f"ucdh-jupyter: ignoring {path}: {exc}", stacklevel=2)
    return merged


def kernel_config(environ: Mapping[str, str] = os.environ, read_files: bool = True) -> UcdhConfig:
    """A :class:`UcdhConfig` for this kernel: server config files, then the environment."""
    config = server_config_files() if read_files else Config()
    for name, setting in ENV_SETTINGS.items():
        if environ.get(name):
            setattr(config.UcdhConfig, setting, environ[name])
    return UcdhConfig(config=config)


def kernel_services() -> UcdhServices:
    """The kernel's service container, built on first use and shared by every magic."""
    global _services
    with _lock:
        if _services is None:
            _services = UcdhServices(kernel_config())
        return _services
