"""Whose runs a server sees when Jupyter's login names nobody."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from ucdh_jupyter.runs.user import server_account


def test_runs_belong_to_the_studio_user_profile_inside_sagemaker(tmp_path: Path) -> None:
    # Every SageMaker Studio space runs as sagemaker-user: the profile tells users apart.
    metadata = tmp_path / "resource-metadata.json"
    metadata.write_text(
        json.dumps({"DomainId": "d-abc123", "UserProfileName": "jdoe", "SpaceName": "s1"})
    )
    assert server_account({}, metadata) == "jdoe@d-abc123"
    metadata.write_text(json.dumps({"DomainId": "d-abc123", "SpaceName": "cardio-team"}))
    assert server_account({}, metadata) == "cardio-team@d-abc123"
    # JupyterHub names the person first; outside Studio, the OS account.
    assert server_account({"JUPYTERHUB_USER": "alice"}, metadata) == "alice"
    assert server_account({}, tmp_path / "absent.json") == getpass.getuser()
    metadata.write_text("not json")
    assert server_account({}, metadata) == getpass.getuser()
