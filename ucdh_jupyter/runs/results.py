"""Where a run's results land in the workspace, and how they are recognised later.

"Open result" copies the executed notebook (and, for Databricks, the run's HTML view)
next to the original notebook. The copies are named after the moment the run was
submitted, so six runs of one notebook sort and read in the file browser:
``welcome.run-2026-12-04-1530.ipynb``. The run id travels inside the files (the
notebook's ``metadata.ucdh.run_id``; a comment at the end of the HTML view), so
opening the same run again replaces its own copy and never another run's.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import UcdhError
from .model import Run, RunState, parse_iso

# Both namings: ``.run-<ULID>`` (before 2026-12) and ``.run-YYYY-MM-DD-HHMM[SS][-N]``;
# a sweep's also ``….child-<i>.ipynb`` (one child's notebook) and ``….children.csv``.
_PREVIOUS_RESULT = re.compile(
    r"\.run-(?:[0-9A-HJKMNP-TV-Z]{26}|\d{4}-\d{2}-\d{2}-\d{4}(?:\d{2})?(?:-\d+)?)"
    r"(?:\.child-\d+\.ipynb|\.children\.csv|\.ipynb|\.html)$"
)
# How far from the end of an HTML view its run-id comment is looked for.
_HTML_TAIL_BYTES = 512
_MAX_SUFFIX = 1000

# Reads one of the run's record keys into a local file (RunRecords.download, bound).
Fetch = Callable[[str, Path], None]


def is_previous_result(name: str) -> bool:
    """Whether a file name is a result an earlier run copied back (any naming)."""
    return _PREVIOUS_RESULT.search(name) is not None


def _html_marker(run_id: str) -> str:
    return f"<!-- ucdh run_id: {run_id} -->"


def _run_id_of(path: Path) -> str | None:
    """The run a result file came from, or None when it does not say (or is unreadable)."""
    try:
        if path.suffix == ".ipynb":
            metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata") or {}
            value = (metadata.get("ucdh") or {}).get("run_id")
            return value if isinstance(value, str) else None
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - _HTML_TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
        found = re.search(r"<!-- ucdh run_id: ([0-9A-Z]+) -->", tail)
        return found.group(1) if found else None
    except (OSError, ValueError, AttributeError):
        return None


def _candidate_stems(source: Path, run: Run) -> Iterator[str]:
    """Names for the run's copies, shortest first: the minute, then the second, then
    the second with a counter (runs of a sweep can start in the same second)."""
    created = parse_iso(run.created_at)
    if created is None:  # a record without a date: its id is unique anyway
        yield f"{source.stem}.run-{run.id}"
        return
    minute = created.strftime("%Y-%m-%d-%H%M")
    second = created.strftime("%Y-%m-%d-%H%M%S")
    yield f"{source.stem}.run-{minute}"
    yield f"{source.stem}.run-{second}"
    for counter in range(2, _MAX_SUFFIX):
        yield f"{source.stem}.run-{second}-{counter}"
    yield f"{source.stem}.run-{run.id}"


def result_stem(source: Path, run: Run) -> str:
    """The file name (without suffix) of the run's copies next to ``source``.

    The time is the run's submission in **UTC**: the server does not know the
    browser's time zone, the magics have no browser, and a UTC name is the same
    whoever copies the result, sorts right across daylight-saving changes, and lets a
    second "Open result" replace the first copy instead of adding one. The Runs
    section shows the same moment in the researcher's local time.

    A name is taken when a file of that name (notebook or HTML view) exists and does
    not carry this run's id; then the seconds, then a counter are added.
    """
    for stem in _candidate_stems(source, run):
        existing = [
            path
            for path in (source.with_name(stem + ".ipynb"), source.with_name(stem + ".html"))
            if path.exists()
        ]
        if all(_run_id_of(path) == run.id for path in existing):
            return stem
    return f"{source.stem}.run-{run.id}"


def no_output(run: Run) -> UcdhError:
    """The 404 for a run with nothing to copy: a run still going will save its
    notebook; a run that is over never will, and its log says how far it got."""
    if not run.final:
        return UcdhError(
            404,
            "no_output",
            "This run has no output yet: it saves the notebook after each cell.",
            "Try again once its first cell has finished.",
        )
    ended = {
        RunState.CANCELLED: "This run was cancelled before it saved any output.",
        RunState.EXPIRED: "This run reached its max runtime before it saved any output.",
    }.get(run.state, "This run ended before it saved any output.")
    return UcdhError(
        404,
        "no_output",
        ended,
        "Its Log shows how far it got; Run again starts it afresh.",
    )


def place_result(downloaded: Path, target: Path, run_id: str) -> None:
    """Move a downloaded result to ``target``, marked with the run it came from: the
    notebook's ``metadata.ucdh.run_id``, a comment after the end of the HTML view."""
    if target.suffix == ".ipynb":
        notebook = json.loads(downloaded.read_text(encoding="utf-8"))
        metadata = notebook.setdefault("metadata", {})
        ucdh = metadata.get("ucdh")
        metadata["ucdh"] = {**(ucdh if isinstance(ucdh, dict) else {}), "run_id": run_id}
        downloaded.write_text(
            json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    else:
        # A comment after </html> is valid HTML and changes nothing on screen.
        with downloaded.open("a", encoding="utf-8") as handle:
            handle.write("\n" + _html_marker(run_id) + "\n")
    shutil.move(str(downloaded), target)


def copy_results(
    run: Run, source: Path, download: dict[str, tuple[str, str] | None], fetch: Fetch
) -> dict[str, Path | None]:
    """Copy each result of ``download`` (field -> (record key, suffix), or None when
    the run lacks it) next to ``source`` under :func:`result_stem`; the paths written."""
    stem = result_stem(source, run)
    copied: dict[str, Path | None] = {}
    for field_name, entry in download.items():
        if entry is None:
            copied[field_name] = None
            continue
        key, suffix = entry
        target = source.with_name(stem + suffix)
        with tempfile.TemporaryDirectory() as scratch:
            downloaded = Path(scratch) / target.name
            fetch(key, downloaded)
            place_result(downloaded, target, run.id)
        copied[field_name] = target
    return copied
