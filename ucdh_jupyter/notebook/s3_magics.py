"""``%s3``: S3 from a notebook cell, through the server's S3 routes (as the sidebar).

- ``%s3 ls`` (buckets or locations), ``%s3 ls s3://bucket/prefix/ [--all]``
- ``%s3 get s3://bucket/key [local]``, ``%s3 get s3://bucket/prefix/ local_dir``
- ``%s3 put local s3://bucket/key``, ``%s3 put local_dir s3://bucket/prefix/``
- ``%s3 rm s3://bucket/key``, ``%s3 rm -r s3://bucket/prefix/ [--dry-run]``
- ``uri = %s3 uri bucket/key``: the checked ``s3://`` URI, for pandas and friends

Copies show a progress bar (tqdm when installed) and stop cleanly on interrupt.
Local paths may be anywhere the kernel may write (the kernel runs the user's code
anyway): a download streams ``GET s3/download`` into the local file, an upload streams
the file into ``PUT s3/upload``; the server checks every bucket and key. Keys that would
leave the target folder are refused.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

from ..s3.names import base_name, folder_prefix, parse_s3_uri, s3_uri
from ..server_client import ServerClient, kernel_client
from ..timefmt import format_datetime
from .format import without_comment
from .kernel import magic_errors

USAGE = """Usage:
  %s3 ls [s3://bucket/prefix/] [--all]
  %s3 get s3://bucket/key-or-prefix/ [local path]   [--overwrite]
  %s3 put local-path s3://bucket/key-or-prefix/     [--overwrite]
  %s3 rm s3://bucket/key  |  %s3 rm -r s3://bucket/prefix/ [--dry-run]
  %s3 uri bucket/key"""


def human(size: int) -> str:
    """``1.5 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class TextBar:
    """A one-line progress bar for consoles without tqdm."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.n = total, desc, 0

    def update(self, count: int) -> None:
        """Advance by ``count`` bytes and redraw."""
        self.n += count
        done = self.n / self.total if self.total else 1.0
        bar = "#" * int(done * 30)
        sys.stdout.write(f"\r{self.desc} [{bar:<30}] {done:4.0%} {human(self.n)}")
        sys.stdout.flush()

    def close(self) -> None:
        """End the line."""
        sys.stdout.write("\n")


def progress_bar(total: int, desc: str) -> Any:
    """tqdm (notebook-aware) when available, else :class:`TextBar`."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024)


def below(folder: Path, relative: str) -> Path:
    """``folder / relative``, refusing a key whose rest would leave ``folder``."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UsageError(f"The key part {relative!r} cannot be a local file name.")
    return folder.joinpath(*parts)


def local_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under ``folder`` with their ``/``-separated relative names; links
    are not followed (they could lead anywhere)."""
    for directory, subfolders, files in os.walk(folder):
        subfolders.sort()
        for name in sorted(files):
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(folder).as_posix()


def exists_error(what: str) -> UsageError:
    """The one line of an unconfirmed overwrite."""
    return UsageError(f"{what} already exists. Add --overwrite to replace it.")


@magics_class
class S3Magics(Magics):
    """The ``%s3`` line magic."""

    def __init__(self, shell: Any, client: Callable[[], ServerClient] = kernel_client):
        super().__init__(shell)
        self._client = client

    @property
    def client(self) -> ServerClient:
        """The client of the kernel's Jupyter server."""
        return self._client()

    @line_magic
    @magic_errors
    def s3(self, line: str) -> Any:
        """S3 from a cell: ``%s3 ls|get|put|rm|uri ...`` (``%s3`` alone shows the usage)."""
        try:
            words = shlex.split(without_comment(line))
        except ValueError as exc:  # an unclosed quote
            raise UsageError(f"{exc}. {USAGE}") from None
        flags = {w for w in words if w.startswith("-")}
        args = [w for w in words if not w.startswith("-")]
        if not args or args[0] not in ("ls", "get", "put", "rm", "uri"):
            raise UsageError(USAGE)
        command, rest = args[0], args[1:]
        return getattr(self, f"_{command}")(rest, flags)

    def _page(self, bucket: str, prefix: str, cursor: str | None) -> dict[str, Any]:
        return dict(
            self.client.get("s3/list", bucket=bucket, prefix=prefix, cursor=cursor, limit=1000)
        )

    def _objects(self, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
        """Every object under ``prefix``, in every sub-folder."""
        folders = [prefix]
        while folders:
            folder, cursor = folders.pop(0), None
            while True:
                page = self._page(bucket, folder, cursor)
                folders.extend(entry["prefix"] for entry in page["folders"])
                yield from page["objects"]
                cursor = page["next_cursor"]
                if not cursor:
                    break

    def _ls(self, args: list[str], flags: set[str]) -> None:
        if not args:
            for entry in self.client.get("s3/buckets")["buckets"]:
                print(f"{s3_uri(entry['bucket'], entry['prefix'])}  ({entry['name']})")
            return
        bucket, prefix = parse_s3_uri(args[0])
        cursor = None
        while True:
            page = self._page(bucket, prefix, cursor)
            for folder in page["folders"]:
                print(f"{'PRE':>12}  {folder['name']}/")
            for item in page["objects"]:
                when = format_datetime(item["last_modified"])  # local, as the UI shows it
                print(f"{human(item['size']):>12}  {when}  {item['name']}")
            cursor = page["next_cursor"]
            if not cursor:
                return
            if "--all" not in flags:
                print("... more: %s3 ls --all shows every page")
                return

    def _get(self, args: list[str], flags: set[str]) -> None:
        if len(args) not in (1, 2):
            raise UsageError(USAGE)
        bucket, key = parse_s3_uri(args[0])
        overwrite = "--overwrite" in flags
        if not key or key.endswith("/"):  # a folder, into a local folder (like `aws s3 cp -r`)
            folder = Path(args[1] if len(args) == 2 else (base_name(key) or bucket)).expanduser()
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"{folder} is a file, not a folder.")
            plan = [
                (item["key"], below(folder, item["key"][len(key) :]), int(item["size"]))
                for item in self._objects(bucket, key)
                if not item["key"].endswith("/")
            ]
            if not plan:
                raise UsageError(f"Nothing under {args[0]}.")
        else:
            target = Path(args[1] if len(args) == 2 else ".").expanduser()
            if target.is_dir() or (len(args) == 2 and args[1].endswith("/")):
                target = target / base_name(key)
            size = int(self.client.get("s3/object", bucket=bucket, key=key).get("size") or 0)
            plan = [(key, target, size)]
        if not overwrite:
            for _, local, _ in plan:
                if os.path.lexists(local):
                    raise exists_error(f"The local file {str(local)!r}")
        bar = progress_bar(sum(size for _, _, size in plan), f"get {args[0]}")
        try:
            for item_key, local, _ in plan:
                self._download(bucket, item_key, local, bar)
        finally:
            bar.close()
        total = sum(size for _, _, size in plan)
        print(f"succeeded: {len(plan)} file(s), {human(total)}")

    def _download(self, bucket: str, key: str, local: Path, bar: Any) -> None:
        """Stream the object into a private temporary file beside ``local``, then move
        it into place: an interrupted download leaves no half file."""
        local.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".ucdh-", dir=local.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in self.client.stream("s3/download", {"bucket": bucket, "key": key}):
                    out.write(chunk)
                    bar.update(len(chunk))
            os.replace(temporary, local)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def _put(self, args: list[str], flags: set[str]) -> None:
        if len(args) != 2:
            raise UsageError(USAGE)
        source = Path(args[0]).expanduser()
        bucket, key = parse_s3_uri(args[1])
        overwrite = "--overwrite" in flags
        if source.is_dir():
            prefix = folder_prefix(key)
            plan = [(path, prefix + name) for path, name in local_files(source)]
            if not overwrite:
                taken = {item["key"] for item in self._objects(bucket, prefix)}
                for _, target in plan:
                    if target in taken:
                        raise exists_error(s3_uri(bucket, target))
        elif source.is_file():
            into_folder = not key or key.endswith("/")
            plan = [(source, folder_prefix(key) + source.name if into_folder else key)]
        else:
            raise UsageError(f"{args[0]} does not exist.")
        total = sum(path.stat().st_size for path, _ in plan)
        bar = progress_bar(total, f"put {args[0]}")
        try:
            for path, target in plan:
                self._upload(path, bucket, target, overwrite, bar)
        finally:
            bar.close()
        print(f"succeeded: {len(plan)} file(s), {human(total)}")

    def _upload(self, path: Path, bucket: str, key: str, overwrite: bool, bar: Any) -> None:
        """Stream the file into ``PUT s3/upload`` (the server uploads it in parts)."""
        size = path.stat().st_size
        with path.open("rb") as data:
            self.client.call(
                "PUT",
                "s3/upload",
                {"bucket": bucket, "key": key, "overwrite": "true" if overwrite else None},
                data=Progress(data, bar),
                headers={
                    "Content-Length": str(size),
                    "Content-Type": "application/octet-stream",
                },
            )

    def _rm(self, args: list[str], flags: set[str]) -> None:
        if len(args) != 1:
            raise UsageError(USAGE)
        bucket, key = parse_s3_uri(args[0])
        body: dict[str, Any] = {"bucket": bucket, "dry_run": "--dry-run" in flags}
        if {"-r", "--recursive"} & flags:
            body.update(keys=[], prefix=folder_prefix(key))
        else:
            if not key or key.endswith("/"):
                raise UsageError("That is a folder: use %s3 rm -r (add --dry-run to count first).")
            body["keys"] = [key]
        result = self.client.post("s3/delete", body)
        verb = "would delete" if result["dry_run"] else "deleted"
        count = result["count"] if result["dry_run"] else result["deleted"]
        size = f" ({human(result['bytes'])})" if result["bytes"] is not None else ""
        print(f"{verb} {count} object(s){size} under {args[0]}")
        for error in result["errors"]:
            print(f"  not deleted: {error['key']}: {error['message']}")

    def _uri(self, args: list[str], flags: set[str]) -> str:
        if len(args) != 1:
            raise UsageError(USAGE)
        bucket, key = parse_s3_uri(args[0])
        # The server says whether this user may read there (allow-list, runs location).
        self.client.get("s3/list", bucket=bucket, prefix=key, limit=1)
        return s3_uri(bucket, key)


class Progress:
    """A file read by ``urllib`` while it is sent, advancing a progress bar."""

    def __init__(self, data: Any, bar: Any) -> None:
        self._data, self._bar = data, bar

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the file."""
        chunk: bytes = self._data.read(size)
        self._bar.update(len(chunk))
        return chunk
