"""Switches that show or hide whole areas of the extension.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from traitlets import Bool, HasTraits


class FeatureSettings(HasTraits):
    """One switch per area: the S3 browser, the instance-size picker, runs."""

    enable_s3 = Bool(True, help="Show the S3 browser.").tag(config=True)

    enable_compute = Bool(True, help="Show the instance-size picker.").tag(config=True)

    enable_runs = Bool(True, help="Allow running notebooks on EC2 / Databricks.").tag(config=True)
