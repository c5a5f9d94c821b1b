"""The local side of S3 <-> workspace copies, confined to the Jupyter root directory.

Three rules keep writes inside: a workspace path given by the user must resolve
(symlinks included) inside the root; a key copied under a prefix must map below
the target folder — a key like ``data/../../x`` or ``/etc/x`` is refused with a 400
before anything is written; and a download never writes through a link: a target
that is a link is refused when planned, and :func:`check_write_target` checks again,
right before the file is written, that no link was planted in its way since.
S3 keys themselves stay literal everywhere else.
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

    def _parts(self, path: str) -> tuple[str, ...]:
        """The segments of workspace path ``path``, or a 400 if it could leave the root."""
        if not isinstance(path, str) or "\x00" in path:
            raise bad_request("The workspace path must be text without NUL characters.")
        relative = PurePosixPath(path.replace("\\", "/"))
        if relative.is_absolute() or ".." in relative.parts:
            raise bad_request(
                f"The workspace path {path!r} must stay inside the workspace: "
                "relative to its root, without '..'."
            )
        return relative.parts

    def resolve(self, path: str) -> Path:
        """The absolute, symlink-free location of workspace path ``path``, or a 400.

        ``path`` is relative to the root, ``/``-separated, as the JupyterLab file
        browser shows it; it may not be absolute or contain ``..``.
        """
        target = Path(os.path.realpath(self.root.joinpath(*self._parts(path))))
        if not self._inside(target):
            raise bad_request(f"The workspace path {path!r} leads outside the workspace.")
        return target

    def resolve_target(self, path: str) -> Path:
        """Like :meth:`resolve` for where a download lands: the path itself may be a link
        only to a folder inside the workspace, never to a file (which would be replaced)."""
        _refuse_file_link(self.root.joinpath(*self._parts(path)), repr(path))
        return self.resolve(path)

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
        literal = folder.joinpath(*[p for p in parts if p])
        _refuse_file_link(literal, f"for the key {key!r}")
        target = Path(os.path.realpath(literal))
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


def _refuse_file_link(path: Path, what: str) -> None:
    """A 400 when ``path`` is a link that is not to a folder (dangling links included)."""
    if path.is_symlink() and not path.is_dir():
        raise bad_request(
            f"The workspace file {what} is a link; a copy never writes through a link.",
            "Remove the link or choose another name.",
        )


def make_folders(folder: str) -> None:
    """Create ``folder`` (an absolute, link-free path from a plan) and its parents, and
    refuse (400) if a link now stands anywhere on the way: nothing is then written
    outside the folder that was planned."""
    existing = folder
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if os.path.realpath(existing) == existing:
        os.makedirs(folder, exist_ok=True)
        if os.path.realpath(folder) == folder:
            return
    raise bad_request(
        f"A folder on the way to {os.path.basename(folder)!r} is a link; nothing was written "
        "there.",
        "Remove the link, then copy again.",
    )


def check_write_target(target: str) -> None:
    """Right before a download writes ``target`` (an absolute, link-free path from its
    plan): its folders exist and hold no link, and the file itself is not a link."""
    make_folders(os.path.dirname(target))
    if os.path.islink(target):
        raise bad_request(
            f"The workspace file {os.path.basename(target)!r} is a link; a copy never writes "
            "through a link.",
            "Remove the link or choose another name.",
        )
