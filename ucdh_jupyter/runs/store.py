"""The local run list: a SQLite cache of the S3 run records, rebuilt from them at start.

Losing this file loses nothing: :func:`rebuild` refills it from the records (and
the backends' resource tags), which stay the source of truth. It exists so that
listing runs costs no AWS call.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from .model import FINAL_STATES, Run

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner, id);
"""


def default_store_path(source: str = "") -> Path:
    """``<Jupyter data dir>/ucdh_jupyter/runs-<key>.sqlite``, one file per run location.

    The store caches one S3 runs location (endpoint, bucket, prefix). Servers that
    point at different locations must not share a file, or each start-up rebuild
    would wipe the other's runs; the server and its kernels, configured alike,
    still share one.
    """
    import hashlib

    from jupyter_core.paths import jupyter_data_dir

    key = hashlib.sha256(source.encode()).hexdigest()[:12]
    return Path(jupyter_data_dir()) / "ucdh_jupyter" / f"runs-{key}.sqlite"


class RunStore:
    """Runs by id, safe to use from the server's worker threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def put(self, run: Run) -> None:
        """Insert or replace a run."""
        row = (run.id, run.owner, run.state.value, run.created_at, json.dumps(run.to_json()))
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)", row)

    def get(self, run_id: str) -> Run | None:
        """The run with this id, or None."""
        with self._lock:
            row = self._db.execute("SELECT record FROM runs WHERE id = ?", (run_id,)).fetchone()
        return Run.from_json(json.loads(row[0])) if row else None

    def list(self, owner: str | None = None, active_only: bool = False) -> list[Run]:
        """Runs, newest first (ids sort by creation time)."""
        query = "SELECT record FROM runs"
        clauses: list[str] = []
        args: list[str] = []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if active_only:
            finals = [state.value for state in FINAL_STATES]
            clauses.append(f"state NOT IN ({', '.join('?' * len(finals))})")
            args.extend(finals)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id DESC", args).fetchall()
        return [Run.from_json(json.loads(row[0])) for row in rows]

    def replace_all(self, runs: Iterable[Run]) -> int:
        """Make the store hold exactly ``runs``; returns how many."""
        rows = [
            (run.id, run.owner, run.state.value, run.created_at, json.dumps(run.to_json()))
            for run in runs
        ]
        with self._lock, self._db:
            self._db.execute("DELETE FROM runs")
            self._db.executemany("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


def rebuild(store: RunStore, recorded: Iterable[Run], adopted: Iterable[Run] = ()) -> int:
    """Refill the store from the S3 records plus runs known only from resource tags.

    A record wins over a tag-only run of the same id: it says more.
    """
    runs = {run.id: run for run in adopted}
    runs.update({run.id: run for run in recorded})
    return store.replace_all(runs.values())
