"""The machine this JupyterLab runs on, and when the status header calls it large or idle.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from traitlets import Float, HasTraits, Int, Unicode


class WorkspaceSettings(HasTraits):
    """How the workspace machine is found, and the thresholds of its advice."""

    workspace_instance_type = Unicode(
        "",
        help=(
            "The machine this JupyterLab runs on, instead of detecting it (detected: the "
            "SageMaker Studio space's instance type, or the EC2 instance type from instance "
            "metadata). The demo sets a stand-in such as m5.4xlarge. Empty: detect."
        ),
    ).tag(config=True)

    workspace_metadata_path = Unicode(
        "/opt/ml/metadata/resource-metadata.json",
        help="SageMaker Studio's resource metadata file (names the domain, space and app).",
    ).tag(config=True)

    workspace_idle_minutes = Float(
        30.0,
        help=(
            "Minutes with no kernel busy after which the status header suggests a run or a "
            "smaller machine, when this JupyterLab's machine is large."
        ),
    ).tag(config=True)

    workspace_large_price_per_hour = Float(
        0.5,
        help="A machine at or above this on-demand USD per hour counts as large.",
    ).tag(config=True)

    workspace_large_vcpu = Int(
        8,
        help="A machine with at least this many vCPUs counts as large.",
    ).tag(config=True)
