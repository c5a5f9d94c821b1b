"""Run backends are peers named in one setting: a new one is a class plus a config entry."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.errors import UcdhError, bad_request
from ucdh_jupyter.runs.backend import BackendParts
from ucdh_jupyter.runs.model import Run
from ucdh_jupyter.runs.service import RunService


class InlineBackend:
    """A backend written for this test; nothing in ucdh_jupyter names it."""

    name = "inline"
    min_max_hours = 0.5
    closed: ClassVar[bool] = False  # the test's switch for "cannot run here"

    def __init__(self, parts: BackendParts) -> None:
        self.parts = parts

    @classmethod
    def create(cls, parts: BackendParts) -> InlineBackend:
        return cls(parts)

    @classmethod
    def unavailable(cls, parts: BackendParts) -> UcdhError | None:
        return bad_request("The inline backend is closed.", "Open it.") if cls.closed else None

    def adopt(self, recorded: dict[str, Run]) -> list[Run]:
        return []


INLINE = f"{__name__}.InlineBackend"


@pytest.fixture
def with_inline(run_settings: dict[str, Any]) -> Any:
    """The run service of a server whose administrator added the inline backend."""
    defaults = UcdhConfig(mode="local").run_backends
    run_settings["run_backends"] = {**defaults, "inline": INLINE}
    InlineBackend.closed = False
    yield
    InlineBackend.closed = False


def service_of(config: UcdhConfig) -> RunService:
    return RunService.from_config(config, AwsClients(config))


def test_a_backend_added_in_the_settings_is_offered_built_and_held_to_its_minimum(
    with_inline: Any, run_config: UcdhConfig
) -> None:
    # Given a server whose settings name one more backend class
    service = service_of(run_config)
    try:
        # Then it is offered after the others, in the order the settings name them
        assert service.available_backends()[-1] == "inline"
        assert service.available_backends()[0] == "ec2"
        # And it is built from the service's own parts, its records where runs are kept
        backend = service.backend("inline")
        assert isinstance(backend, InlineBackend)
        assert backend.parts.records() is service.records
        assert service.backend("inline") is backend  # built once
        # And the cost policy holds its runs to the minimum the class declares
        with pytest.raises(UcdhError) as short:
            service.policy.hours("inline", 0.25)
        assert short.value.status == 400 and "at least 30 min" in short.value.message
        assert service.policy.hours("inline", 0.5) == 0.5
    finally:
        service.close()


def test_a_backend_that_says_it_cannot_run_is_not_offered_and_refuses_with_its_reason(
    with_inline: Any, run_config: UcdhConfig
) -> None:
    # Given the inline backend says it cannot run here
    InlineBackend.closed = True
    service = service_of(run_config)
    try:
        # Then it is not offered, and asking for it gives its own reason and hint
        assert "inline" not in service.available_backends()
        with pytest.raises(UcdhError) as refused:
            service.backend("inline")
        assert (refused.value.status, refused.value.message) == (
            400,
            "The inline backend is closed.",
        )
        assert refused.value.hint == "Open it."
    finally:
        service.close()


def test_an_unknown_backend_is_a_400_naming_the_configured_ones(
    with_inline: Any, run_config: UcdhConfig
) -> None:
    service = service_of(run_config)
    try:
        with pytest.raises(UcdhError) as unknown:
            service.backend("lambda")
        assert unknown.value.status == 400 and "'lambda'" in unknown.value.message
        assert unknown.value.hint == "Use one of: ec2, databricks, batch, inline."
    finally:
        service.close()
