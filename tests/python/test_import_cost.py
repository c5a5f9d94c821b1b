"""Loading the extension is cheap: no network, no boto3 or Databricks SDK import, until the
first call."""

from __future__ import annotations

import subprocess
import sys

PROBE = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network call during import/load")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import ucdh_jupyter
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.handlers.routes import route_table
from ucdh_jupyter.services import UcdhServices
config = UcdhConfig(region="us-east-1", databricks_host="https://dbc-1.cloud.databricks.com")
services = UcdhServices(config)
assert services.public_config()["runs"]["backends"]["databricks"]["available"]
routes = route_table("/jupyterlab/default/")
assert routes[0][0].startswith("/jupyterlab/default/ucdh-jupyter/"), routes
services.close()
print("boto3" in sys.modules, "databricks.sdk" in sys.modules)
"""


def test_import_and_load_make_no_network_call_and_defer_boto3_and_databricks() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"
