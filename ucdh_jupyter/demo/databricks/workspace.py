"""The workspace file tree, in memory: directories, notebooks (nbformat JSON) and files.

Paths follow Databricks' rules: absolute, notebooks have no extension (a Jupyter import
of ``/x/nb.ipynb`` becomes the notebook ``/x/nb``), parents must exist before an import.
Every method takes the one lock, so the HTTP threads and the run threads can share it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import json
import posixpath
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import notebooks
from .errors import ApiError, exists, invalid, missing

DIRECTORY, NOTEBOOK, FILE = "DIRECTORY", "NOTEBOOK", "FILE"


def now_ms() -> int:
    """Epoch milliseconds, the unit of every Databricks timestamp."""
    return int(time.time() * 1000)


@dataclass
class WorkspaceObject:
    """One node of the tree; ``notebook`` is set for notebooks, ``data`` for files."""

    object_type: str
    object_id: int
    created_at: int = field(default_factory=now_ms)
    modified_at: int = field(default_factory=now_ms)
    notebook: dict[str, Any] | None = None
    data: bytes = b""
    language: str = notebooks.PYTHON

    def info(self, path: str) -> dict[str, Any]:
        """The ``ObjectInfo`` that get-status and list return."""
        info: dict[str, Any] = {
            "path": path,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "resource_id": str(self.object_id),
        }
        if self.object_type != DIRECTORY:
            info.update(created_at=self.created_at, modified_at=self.modified_at)
        if self.object_type == NOTEBOOK:
            info["language"] = self.language
        if self.object_type == FILE:
            info["size"] = len(self.data)
        return info


def _absolute(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise invalid(f"Path ({path}) is not absolute: workspace paths start with '/'.")
    return posixpath.normpath(path).replace("//", "/")


def _decode(content: Any) -> bytes:
    try:
        return base64.b64decode(str(content or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid("The content must be base64-encoded.") from exc


def _language(language: Any) -> str | None:
    """The import's ``language``: PYTHON or R run here; SCALA and SQL are Databricks
    languages this workspace cannot run; anything else is not a language at all."""
    if language is None or language == "":
        return None
    if language in (notebooks.PYTHON, notebooks.R):
        return str(language)
    if language in ("SCALA", "SQL"):
        raise invalid(f"Language {language} is not supported here: notebooks run Python or R.")
    raise invalid(f"Invalid language: {language!r}; use PYTHON, R, SCALA or SQL.")


class Workspace:
    """Directories, notebooks and files by absolute path."""

    def __init__(self, user_name: str) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1_042_170_000_000_001)
        self._objects: dict[str, WorkspaceObject] = {"/": self._new(DIRECTORY)}
        for home in (f"/Users/{user_name}", "/Shared"):
            self.mkdirs(home)

    def _new(self, object_type: str, **content: Any) -> WorkspaceObject:
        return WorkspaceObject(object_type, next(self._ids), **content)

    def _get(self, path: str) -> WorkspaceObject:
        obj = self._objects.get(path)
        if obj is None:
            raise missing(f"Path ({path}) doesn't exist.")
        return obj

    def _children(self, path: str) -> list[str]:
        return sorted(p for p in self._objects if p != "/" and posixpath.dirname(p) == path)

    def mkdirs(self, path: Any) -> None:
        """Create the directory and its missing parents; a file in the way is a 400."""
        path = _absolute(path)
        with self._lock:
            parts = [p for p in path.split("/") if p]
            for depth in range(1, len(parts) + 1):
                current = "/" + "/".join(parts[:depth])
                obj = self._objects.get(current)
                if obj is None:
                    self._objects[current] = self._new(DIRECTORY)
                elif obj.object_type != DIRECTORY:
                    raise exists(f"Path ({current}) already exists and is not a directory.")

    def import_(
        self, path: Any, content: Any, fmt: str | None, language: str | None, overwrite: bool
    ) -> None:
        """Store base64 ``content`` at ``path`` as a notebook or a file, as ``fmt`` says."""
        path, data, fmt = _absolute(path), _decode(content), (fmt or "SOURCE").upper()
        language = _language(language)
        if fmt == "JUPYTER" or (fmt == "AUTO" and path.endswith(".ipynb")):
            # The language of a Jupyter import is the notebook's own (``language``
            # applies to SOURCE only).
            target = path.removesuffix(".ipynb")
            notebook = notebooks.parse_ipynb(data)
            language = notebooks.language_of(notebook)
            obj = self._new(NOTEBOOK, notebook=notebook, language=language)
        elif fmt == "SOURCE" or (
            fmt == "AUTO" and data.startswith(notebooks.SOURCE_HEADER.encode())
        ):
            if fmt == "AUTO":  # the extension says the language, and is dropped
                r = path.lower().endswith(".r")
                target = path[:-2] if r else path.removesuffix(".py")
                language = notebooks.R if r else notebooks.PYTHON
            else:
                target, language = path, language or notebooks.PYTHON
            text = data.decode("utf-8", errors="replace")
            notebook = notebooks.from_source(text, language)
            obj = self._new(NOTEBOOK, notebook=notebook, language=language)
        elif fmt in ("AUTO", "RAW"):
            target, obj = path, self._new(FILE, data=data)
        else:
            raise invalid(
                f"Import format {fmt} is not supported: use JUPYTER, SOURCE, AUTO or RAW."
            )
        with self._lock:
            self._put(target, obj, overwrite)

    def _put(self, path: str, obj: WorkspaceObject, overwrite: bool) -> None:
        parent = self._objects.get(posixpath.dirname(path))
        if parent is None or parent.object_type != DIRECTORY:
            raise missing(f"The parent folder ({posixpath.dirname(path)}) does not exist.")
        old = self._objects.get(path)
        if old is not None:
            if not overwrite or old.object_type == DIRECTORY:
                raise exists(f"Path ({path}) already exists.")
            obj.object_id, obj.created_at = old.object_id, old.created_at
        self._objects[path] = obj

    def export(self, path: Any, fmt: str | None) -> tuple[bytes, str]:
        """The object's bytes in ``fmt`` (default SOURCE) and their file type (``ipynb``...)."""
        path, fmt = _absolute(path), (fmt or "SOURCE").upper()
        with self._lock:
            obj = copy.deepcopy(self._get(path))
        if obj.object_type == FILE and fmt in ("SOURCE", "AUTO", "RAW"):
            return obj.data, posixpath.splitext(path)[1].lstrip(".")
        if obj.notebook is not None:
            if fmt == "JUPYTER":
                return json.dumps(obj.notebook).encode(), "ipynb"
            if fmt in ("SOURCE", "AUTO"):
                extension = "r" if obj.language == notebooks.R else "py"
                return notebooks.to_source(obj.notebook).encode(), extension
            if fmt == "HTML":
                return notebooks.to_html(obj.notebook).encode(), "html"
        kind = obj.object_type.lower()
        raise invalid(f"A {kind} cannot be exported as {fmt} by this workspace.")

    def get_status(self, path: Any) -> dict[str, Any]:
        """The ``ObjectInfo`` of one path."""
        path = _absolute(path)
        with self._lock:
            return self._get(path).info(path)

    def list(self, path: Any) -> list[dict[str, Any]]:
        """The children of a directory, or the object itself when it is not one."""
        path = _absolute(path)
        with self._lock:
            obj = self._get(path)
            if obj.object_type != DIRECTORY:
                return [obj.info(path)]
            return [self._objects[child].info(child) for child in self._children(path)]

    def delete(self, path: Any, recursive: bool) -> None:
        """Remove a path; a non-empty directory needs ``recursive``."""
        path = _absolute(path)
        if path == "/":
            raise invalid("The workspace root cannot be deleted.")
        with self._lock:
            self._get(path)
            if self._children(path) and not recursive:
                raise ApiError(400, "DIRECTORY_NOT_EMPTY", f"Folder ({path}) is not empty.")
            for name in [p for p in self._objects if p == path or p.startswith(path + "/")]:
                del self._objects[name]

    def notebook(self, path: str) -> dict[str, Any] | None:
        """A copy of the notebook at ``path``, or None if there is no notebook there."""
        with self._lock:
            obj = self._objects.get(path)
            return copy.deepcopy(obj.notebook) if obj and obj.notebook is not None else None

    def save_notebook(self, path: str, notebook: dict[str, Any]) -> None:
        """Write a notebook, replacing one already there (as a notebook saving itself does)."""
        with self._lock:
            language = notebooks.language_of(notebook)
            saved = self._new(NOTEBOOK, notebook=copy.deepcopy(notebook), language=language)
            self._put(path, saved, overwrite=True)
