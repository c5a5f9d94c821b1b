"""The check every route test's answers pass through (``spec_check.check_response``) refuses
what the shipped OpenAPI document does not describe: a drift between server and spec
fails the test that saw it."""

from __future__ import annotations

from typing import Any

import pytest

from .spec_check import check_response, documented_path

JSON = "application/json; charset=UTF-8"


def usage() -> dict[str, Any]:
    return {
        "month": "2026-12",
        "month_name": "December",
        "used_usd": 0.0,
        "spent_usd": 0.0,
        "monthly_budget_usd": None,
        "live_runs": 0,
        "max_concurrent": 4,
    }


def test_a_documented_answer_passes() -> None:
    check_response("GET", "runs", 200, JSON, {"runs": [], "usage": usage()})
    check_response(
        "GET", "runs/01J3ZK5V6Q8X9Y0A1B2C3D4E5F/log", 200, JSON, {"source": "runner", "log": ""}
    )


def test_a_missing_required_field_fails() -> None:
    with pytest.raises(AssertionError, match="'usage' is a required property"):
        check_response("GET", "runs", 200, JSON, {"runs": []})


def test_a_null_where_the_spec_allows_none_fails() -> None:
    body = {"runs": [], "usage": {**usage(), "month": None}}
    with pytest.raises(AssertionError, match="usage/month"):
        check_response("GET", "runs", 200, JSON, body)


def test_an_undocumented_status_or_route_fails() -> None:
    with pytest.raises(AssertionError, match="answered 418, not documented"):
        check_response("GET", "runs", 418, JSON, {})
    with pytest.raises(AssertionError, match=r"not a path of openapi\.yaml"):
        documented_path("runs/abc/secret-door")


def test_a_nullable_reference_accepts_null_and_the_object() -> None:
    # `GET status/workspace`: `workspace` is `nullable` beside `allOf: [$ref]`.
    check_response("GET", "status/workspace", 200, JSON, {"workspace": None})
    with pytest.raises(AssertionError, match="workspace"):
        check_response("GET", "status/workspace", 200, JSON, {"workspace": {"where": 1}})
