"""Compute: the EC2 instance catalog with prices, admin limits and cost estimates.

Service layer only (no tornado): handlers, magics and widgets all call
:class:`ComputeService`. Importing this package makes no AWS call and imports no boto3.
"""

from __future__ import annotations

from .service import ComputeService

__all__ = ["ComputeService"]
