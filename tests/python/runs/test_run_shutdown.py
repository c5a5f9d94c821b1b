"""Stopping the server while a background sweep is still going is not an error."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest

from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.periodic import every
from ucdh_jupyter.services import UcdhServices


async def test_a_sweep_cut_short_by_shutdown_logs_no_failure(
    run_settings: dict[str, Any], aws_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # Given a server's services with runs, and a reaper sweep that is still reading the run
    # store when the server stops (a slow first rebuild on a loaded machine)
    services = UcdhServices(UcdhConfig(**run_settings))
    store = services.runs.store
    started, stopped = threading.Event(), threading.Event()
    finished = threading.Event()

    def slow_sweep() -> None:
        try:
            started.set()
            stopped.wait(10)
            store.replace_all([])  # the store is closed by now
        finally:
            finished.set()

    caplog.set_level(logging.DEBUG, logger="ucdh_jupyter")
    callback = every(services, 3600, slow_sweep, "reaper")
    assert started.wait(10)

    # When the server shuts down under it
    callback.stop()
    services.close()
    stopped.set()
    assert await asyncio.to_thread(finished.wait, 10)

    # Then the shutdown leaves no error and no traceback in the server log
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []
    assert not any(r.exc_info for r in caplog.records)
