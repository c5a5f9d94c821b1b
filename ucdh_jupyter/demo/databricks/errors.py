"""The error every part of the stand-in raises, in the shape Databricks answers with, and
the readers of request values that raise it.

``{"error_code": ..., "message": ...}`` plus the HTTP status is what the SDK turns into
its ``databricks.sdk.errors`` classes, so the codes and statuses here are the real ones.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Databricks REST error: HTTP status, ``error_code`` and message."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON body Databricks sends with this error."""
        return {"error_code": self.error_code, "message": self.message}


def invalid(message: str) -> ApiError:
    """400 INVALID_PARAMETER_VALUE: the request names something wrong or unsupported."""
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


def missing(message: str) -> ApiError:
    """404 RESOURCE_DOES_NOT_EXIST."""
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", message)


def exists(message: str) -> ApiError:
    """400 RESOURCE_ALREADY_EXISTS."""
    return ApiError(400, "RESOURCE_ALREADY_EXISTS", message)


def flag(value: Any) -> bool:
    """A boolean from JSON (``true``) or a query string / form field (``"true"``)."""
    return value is True or str(value).lower() == "true"


def integer(value: Any, name: str) -> int:
    """An integer request value, or a 400 naming the field."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise invalid(f"{name} must be an integer, got {value!r}.") from exc
