"""Where the audit log goes: a rotated local file, and optionally CloudWatch Logs.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from typing import Any

from traitlets import Float, HasTraits, Int, Unicode, validate

from .bounds import above_zero


class AuditSettings(HasTraits):
    """The audit file, its rotation, and its CloudWatch copy."""

    audit_log_path = Unicode(
        None,
        allow_none=True,
        help=(
            "File of the audit log: one JSON line per change (upload, delete, copy, move, "
            "transfer, run submitted or cancelled), per download or presigned URL and per "
            "run state change; never object content, notebook output, parameter values or "
            "secrets. Mode 0600. Unset: <Jupyter data dir>/ucdh_jupyter/audit.log."
        ),
    ).tag(config=True)

    audit_log_max_mb = Float(
        50.0,
        help="Size in MB at which the audit file is rotated (audit.log → audit.log.1 …).",
    ).tag(config=True)

    audit_log_backups = Int(
        10,
        min=1,  # 0 would make RotatingFileHandler never rotate
        help="Rotated audit files kept (audit.log.1 … audit.log.N); older ones are deleted.",
    ).tag(config=True)

    audit_cloudwatch_log_group = Unicode(
        None,
        allow_none=True,
        help=(
            "CloudWatch Logs group that also receives every audit record (it must exist; "
            "needs logs:CreateLogStream and logs:PutLogEvents). Records are sent in batches "
            "off the request path; the audit file keeps them whatever happens. Unset: the "
            "file only."
        ),
    ).tag(config=True)

    audit_cloudwatch_log_stream = Unicode(
        "ucdh-jupyter/{host}/{started}",
        help=(
            "Log stream of the audit records in audit_cloudwatch_log_group; {host} becomes "
            "the host name and {started} the server's start time (created if missing)."
        ),
    ).tag(config=True)

    @validate("audit_log_max_mb")
    def _validate_audit_size_above_zero(self, proposal: dict[str, Any]) -> Any:
        # A 0 MB file would never rotate; traitlets' min cannot leave out 0 itself.
        return above_zero(proposal)
