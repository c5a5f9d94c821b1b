"""``%s3``: S3 from a notebook cell, through the same service as the sidebar.

- ``%s3 ls`` (buckets or locations), ``%s3 ls s3://bucket/prefix/ [--all]``
- ``%s3 get s3://bucket/key [local]``, ``%s3 get s3://bucket/prefix/ local_dir``
- ``%s3 put local s3://bucket/key``, ``%s3 put local_dir s3://bucket/prefix/``
- ``%s3 rm s3://bucket/key``, ``%s3 rm -r s3://bucket/prefix/ [--dry-run]``
- ``uri = %s3 uri bucket/key``: the checked ``s3://`` URI, for pandas and friends

Copies show a progress bar (tqdm when installed) and stop cleanly on interrupt.
In the kernel, local paths may be anywhere the kernel may write (the kernel runs
the user's code anyway); keys that would leave the target folder are still refused.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

from .errors import UcdhError
from .kernel import kernel_services
from .s3.names import folder_prefix, parse_s3_uri, s3_uri
from .s3.service import S3Service
from .s3.transfers import FINAL_STATES, TransferJob
from .services import UcdhServices

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


def local_path(path: str) -> str:
    """A kernel-side path as the S3 service's workspace (rooted at ``/``) names it."""
    return os.path.relpath(os.path.abspath(os.path.expanduser(path)), "/")


@magics_class
class S3Magics(Magics):
    """The ``%s3`` line magic."""

    def __init__(self, shell: Any, services: Callable[[], UcdhServices] = kernel_services):
        super().__init__(shell)
        self._services = services
        self._s3: S3Service | None = None

    @property
    def service(self) -> S3Service:
        """An S3 service whose workspace is the whole file system the kernel can write."""
        if self._s3 is None:
            base = self._services()
            self._s3 = S3Service(base.config, base.aws, base.executor, "/")
        return self._s3

    @line_magic
    def s3(self, line: str) -> Any:
        """S3 from a cell: ``%s3 ls|get|put|rm|uri ...`` (``%s3`` alone shows the usage)."""
        words = shlex.split(line)
        flags = {w for w in words if w.startswith("-")}
        args = [w for w in words if not w.startswith("-")]
        if not args or args[0] not in ("ls", "get", "put", "rm", "uri"):
            raise UsageError(USAGE)
        command, rest = args[0], args[1:]
        try:
            return getattr(self, f"_{command}")(rest, flags)
        except UcdhError as error:
            raise UsageError(f"{error.message} {error.hint}".strip()) from None

    def _ls(self, args: list[str], flags: set[str]) -> None:
        if not args:
            for entry in self.service.buckets()["buckets"]:
                print(f"{s3_uri(entry['bucket'], entry['prefix'])}  ({entry['name']})")
            return
        bucket, prefix = parse_s3_uri(args[0])
        cursor = None
        while True:
            page = self.service.list_folder(bucket, prefix, cursor)
            for folder in page["folders"]:
                print(f"{'PRE':>12}  {folder['name']}/")
            for item in page["objects"]:
                when = (item["last_modified"] or "")[:19].replace("T", " ")
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
        folder = not key or key.endswith("/")
        if len(args) == 2:
            target = args[1]
        else:  # like `aws s3 cp`: into the current directory
            target = (os.path.basename(key.rstrip("/")) or bucket) if folder else "./"
        job = self.service.transfer(
            "to_workspace",
            bucket,
            local_path(target) + ("/" if target.endswith("/") else ""),
            key=None if folder else key,
            prefix=key if folder else None,
            overwrite="--overwrite" in flags,
        )
        self._follow(job, f"get {args[0]}")

    def _put(self, args: list[str], flags: set[str]) -> None:
        if len(args) != 2:
            raise UsageError(USAGE)
        bucket, key = parse_s3_uri(args[1])
        into_folder = not key or key.endswith("/") or os.path.isdir(args[0])
        job = self.service.transfer(
            "to_s3",
            bucket,
            local_path(args[0]),
            key=None if into_folder else key,
            prefix=folder_prefix(key) if into_folder else None,
            overwrite="--overwrite" in flags,
        )
        self._follow(job, f"put {args[0]}")

    def _rm(self, args: list[str], flags: set[str]) -> None:
        if len(args) != 1:
            raise UsageError(USAGE)
        bucket, key = parse_s3_uri(args[0])
        recursive = bool({"-r", "--recursive"} & flags)
        if recursive:
            result = self.service.delete(bucket, [], folder_prefix(key), "--dry-run" in flags)
        else:
            if not key or key.endswith("/"):
                raise UsageError("That is a folder: use %s3 rm -r (add --dry-run to count first).")
            result = self.service.delete(bucket, [key], None, "--dry-run" in flags)
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
        return s3_uri(bucket, self.service.allow.check(bucket, key))

    def _follow(self, job: TransferJob, desc: str) -> None:
        """Show the job's progress until it ends; Ctrl-C (interrupt) cancels it."""
        bar = progress_bar(job.bytes_total, desc)
        shown = 0
        try:
            while job.to_json()["state"] not in FINAL_STATES:
                time.sleep(0.1)
                state = job.to_json()
                bar.update(state["bytes_done"] - shown)
                shown = state["bytes_done"]
        except KeyboardInterrupt:
            self.service.transfers.cancel(job.id)
            job.done.wait()
            raise
        finally:
            state = job.to_json()
            bar.update(state["bytes_done"] - shown)
            bar.close()
        if state["state"] == "failed":
            error = state["error"] or {}
            raise UsageError(f"{error.get('message', 'failed')} {error.get('hint', '')}".strip())
        print(f"{state['state']}: {state['files_done']} file(s), {human(state['bytes_done'])}")
