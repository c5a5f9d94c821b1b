"""The local side of S3 <-> workspace copies, confined to the Jupyter root directory.

Two rules keep writes inside: a workspace path given by the user must resolve
(symlinks included) inside the root, and a key copied under a prefix must map
below the target folder — a key like ``data/../../x`` or ``/etc/x`` is refused with
a 400 before anything is written. S3 keys themselves stay literal everywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..errors import bad_request


class Workspace:
    """Paths inside one root directory (the Jupyter server's ``root_dir``)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(os.path.realpath(root))

    def _inside(self, path: Path) -> bool:
        return path == self.root or self.root in path.parents

    def resolve(self, path: str) -> Path:
        """The absolute, symlink-free location of workspace path ``path``, or a 400.

        ``path`` is relative to the root, ``/``-separated, as the JupyterLab file
        browser shows it; it may not be absolute or contain ``..``.
        """
        if not isinstance(path, str) or "\x00" in path:
            raise bad_request("The workspace path must be text without NUL characters.")
        relative = PurePosixPath(path.replace("\\", "/"))
        if relative.is_absolute() or ".." in relative.parts:
            raise bad_request(
                f"The workspace path {path!r} must stay inside the workspace: "
                "relative to its root, without '..'."
            )
        target = Path(os.path.realpath(self.root.joinpath(*relative.parts)))
        if not self._inside(target):
            raise bad_request(f"The workspace path {path!r} leads outside the workspace.")
        return target

    def relative(self, path: Path) -> str:
        """``path`` as the workspace shows it (relative, ``/``-separated)."""
        return path.relative_to(self.root).as_posix() if path != self.root else ""

    def below(self, folder: Path, relative_key: str, key: str) -> Path:
        """Where the object ``key`` (``relative_key`` below the copied prefix) lands.

        Refuses keys that would leave ``folder``: ``..`` or ``.`` segments, or a
        leading ``/``. Empty segments (``a//b``) collapse, as on any file system.
        """
        parts = relative_key.split("/")
        if relative_key.startswith("/") or any(p in ("..", ".") for p in parts):
            raise bad_request(
                f"The key {key!r} cannot be copied to the workspace: its path would leave "
                "the target folder ('..', '.' or a leading '/').",
                "Copy the other objects one by one, or rename this key in S3 first.",
            )
        target = Path(os.path.realpath(folder.joinpath(*[p for p in parts if p])))
        if not self._inside(target):
            raise bad_request(f"The key {key!r} would be written outside the workspace (a link).")
        if target == folder:
            raise bad_request(f"The key {key!r} has no usable file name in the workspace.")
        return target

    def walk(self, folder: Path) -> Iterator[tuple[Path, str]]:
        """(file, path relative to ``folder``) for every regular file below ``folder``.

        Symlinks leading outside the workspace are refused (400), so a link cannot
        smuggle a file from elsewhere on the server into S3.
        """
        for directory, subdirs, files in os.walk(folder):
            subdirs.sort()
            for name in sorted(files):
                path = Path(directory) / name
                real = Path(os.path.realpath(path))
                if not self._inside(real):
                    raise bad_request(
                        f"{self.relative(path)!r} is a link to a file outside the workspace."
                    )
                if real.is_file():
                    yield path, path.relative_to(folder).as_posix()
