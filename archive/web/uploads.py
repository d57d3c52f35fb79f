"""Uploaded scans into the archive's storage folder, and never anywhere else.

Each upload gets a new folder `<storage>/uploads/<UTC time>-<random>/`; a file keeps the relative path the
browser sent (a folder upload sends `folder/sub/page-1.png`), each part checked: no absolute paths or drive
letters, no `.` or `..`, no empty parts, control characters or over-long names. Every name is checked before
anything is written, so a refused upload writes nothing. Files are created new (O_EXCL) and never through a
symbolic link (O_NOFOLLOW), inside folders this code made; sizes are counted as the bytes arrive.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from archive.errors import UsageError

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_DEPTH = 32


class TooLarge(Exception):
    """Over a size limit: answered 413."""


def safe_parts(name: str) -> tuple[str, ...] | None:
    """The relative path the browser sent, as parts; None for a hidden file (`.DS_Store`, skipped);
    UsageError for anything that could reach outside the upload's folder."""
    shown = _CONTROL.sub("?", name)
    if not name or _CONTROL.search(name):
        raise UsageError(f"upload {shown!r}: a file name needs printable characters only")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise UsageError(f"upload {shown!r}: absolute paths are refused; send names relative to the folder")
    parts = tuple(name.replace("\\", "/").split("/"))
    if any(p in ("", ".", "..") for p in parts):
        raise UsageError(f"upload {shown!r}: '.', '..' and empty path parts are refused")
    if len(parts) > MAX_DEPTH or any(len(p.encode("utf-8")) > 255 for p in parts):
        raise UsageError(f"upload {shown!r}: too deep or a name over 255 bytes")
    if any(p.startswith(".") for p in parts):
        return None
    return parts


@dataclass
class Saved:
    folder: Path  # the upload's own folder
    files: list[Path]  # in the order sent
    ingest_paths: list[Path]  # what to hand to ingest: plain files one by one, each uploaded folder whole
    skipped: list[str]  # hidden files not kept


def new_folder(storage: Path) -> Path:
    uploads = storage / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    if uploads.is_symlink() or not uploads.resolve().is_relative_to(storage.resolve()):
        raise UsageError(f"{uploads}: the uploads folder must be a real folder inside the storage folder")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = uploads / f"{stamp}-{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


async def save(storage: Path, files: list, folder_files: list, *, max_file_bytes: int) -> Saved:
    """Write the uploaded files (starlette UploadFile objects: `files` from a plain multi-file input,
    `folder_files` from a folder input) under a new folder of `storage`."""
    plan: list[tuple[object, tuple[str, ...], bool]] = []
    skipped: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for upload, in_folder in [(f, False) for f in files] + [(f, True) for f in folder_files]:
        parts = safe_parts(upload.filename or "")
        if parts is None:
            skipped.append(upload.filename)
            continue
        if parts in seen or any(parts[:i] in seen for i in range(1, len(parts))):
            raise UsageError(f"upload {upload.filename!r}: sent twice (or both a file and a folder)")
        seen.add(parts)
        if upload.size is not None and upload.size > max_file_bytes:
            raise TooLarge(f"upload {upload.filename!r}: {upload.size} bytes, over the limit of {max_file_bytes}")
        plan.append((upload, parts, in_folder))
    if not plan:
        raise UsageError("no files to ingest: choose files or a folder")
    folder = new_folder(storage)
    root = folder.resolve()
    written: list[Path] = []
    targets: list[Path] = []
    try:
        for upload, parts, _ in plan:
            target = folder.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(root):
                raise UsageError(f"upload {upload.filename!r}: outside the upload's folder")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o640)
            written.append(target)
            size = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := await upload.read(1024 * 1024):
                    size += len(chunk)
                    if size > max_file_bytes:
                        raise TooLarge(f"upload {upload.filename!r}: over the limit of {max_file_bytes} bytes")
                    await run_in_threadpool(out.write, chunk)  # a large file never holds up the event loop
            targets.append(target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    paths: list[Path] = []
    for (_, parts, in_folder), target in zip(plan, targets):
        p = folder / parts[0] if in_folder and len(parts) > 1 else target
        if p not in paths:
            paths.append(p)
    return Saved(folder, targets, paths, skipped)

