"""One notebook execution: papermill in a subprocess, in a private directory.

A subprocess (not papermill in-process) so that a cancel or a timeout can stop it like
a cluster dropping a run, and so a notebook cannot touch the stand-in's own state. The
caller already injected the parameters; papermill only executes, on the kernel of the
notebook's language (IRkernel ``ir`` for R, as a cluster runs R notebooks), with the
base parameters as widgets. A stop is SIGINT first:
papermill then interrupts the kernel and saves the notebook with every output so far,
as Databricks keeps the results of a cancelled run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import notebooks

STOP_GRACE_SECONDS = 5.0
# How long papermill waits for the kernel to answer (its default is 60 s). Kernel
# start-up is part of a cluster's setup, which takes minutes on Databricks and never
# fails a run for being slow; a loaded test machine starting several kernels at once
# must not fail one either.
KERNEL_START_SECONDS = 600
# ``dbutils.widgets.get`` for R notebooks, read from the environment like Python's
# widgets here; R loads it from the user profile before the first cell.
R_PROFILE = r"""
dbutils.widgets.get <- function(name) {
  value <- Sys.getenv(paste0("DATABRICKS_WIDGET_", toupper(gsub("\\W", "_", name))), NA)
  if (is.na(value)) stop(paste0("InputWidgetNotDefined: no input widget named ", name))
  value
}
"""
# ``dbutils.widgets.get`` for Python notebooks, as a cluster's notebooks have it: an
# IPython start-up file of a private IPython directory defines it in the kernel.
PYTHON_STARTUP = """
import os as _os, re as _re


class _Widgets:
    def get(self, name):
        variable = "DATABRICKS_WIDGET_" + _re.sub(r"\\W", "_", name).upper()
        if variable not in _os.environ:
            raise ValueError(f"InputWidgetNotDefined: no input widget named {name}")
        return _os.environ[variable]


class _DbUtils:
    widgets = _Widgets()


dbutils = _DbUtils()
"""


def widget_variable(name: str) -> str:
    """The environment variable a base parameter is exposed as: ``DATABRICKS_WIDGET_<NAME>``."""
    return "DATABRICKS_WIDGET_" + re.sub(r"\W", "_", name).upper()


class NotebookProcess:
    """``papermill in.ipynb out.ipynb`` running in ``workdir``."""

    def __init__(self, workdir: Path, notebook: dict[str, Any], parameters: dict[str, Any]) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        (workdir / "in.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        # The notebook runs on the "cluster", not as the submitter: no Databricks
        # credentials of this process are handed down, only the widgets.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
        env.update({widget_variable(name): str(value) for name, value in parameters.items()})
        language = notebooks.language_of(notebook)
        if language == notebooks.R:
            (workdir / "Rprofile").write_text(R_PROFILE, encoding="utf-8")
            env["R_PROFILE_USER"] = str(workdir / "Rprofile")
        else:
            startup = workdir / "ipython" / "profile_default" / "startup"
            startup.mkdir(parents=True)
            (startup / "00-dbutils.py").write_text(PYTHON_STARTUP, encoding="utf-8")
            env["IPYTHONDIR"] = str(workdir / "ipython")
        command = [
            sys.executable,
            "-m",
            "papermill",
            "in.ipynb",
            "out.ipynb",
            "-k",
            notebooks.KERNELSPECS[language]["name"],
            "--start-timeout",
            str(KERNEL_START_SECONDS),
            "--request-save-on-cell-execute",
            "--no-progress-bar",
        ]
        with (workdir / "papermill.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command, our interpreter
                command,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if still running after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def started(self) -> bool:
        """True once papermill has begun executing a cell: the kernel is up."""
        cells = (self.output() or {}).get("cells", [])
        statuses = [cell.get("metadata", {}).get("papermill", {}).get("status") for cell in cells]
        return any(status in ("running", "completed") for status in statuses)

    def stop(self) -> None:
        """SIGINT (papermill saves the partial notebook), then SIGKILL if it hangs; a
        killed papermill's kernel polls its parent and exits on its own."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        if self.wait(STOP_GRACE_SECONDS) is None:
            self.process.kill()
            self.process.wait()

    def output(self) -> dict[str, Any] | None:
        """The executed (or partial) notebook papermill wrote, if it wrote a readable one."""
        try:
            notebook = json.loads((self.workdir / "out.ipynb").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # not written yet, or caught mid-write
        return notebook if isinstance(notebook, dict) else None

    def log_tail(self, chars: int = 4000) -> str:
        """The end of papermill's console output, for failures the notebook cannot show."""
        try:
            return (self.workdir / "papermill.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""
