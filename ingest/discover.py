"""Turning the paths an archivist gives into documents to ingest (grouping rules)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from natsort import natsorted, ns

from ingest.fixity import IMAGE_FORMATS, detect_format, display_path

# Extensions under which we expect a supported format; content that does not match
# them is a failure (a non-PDF named .pdf), not a silently skipped sidecar.
_EXPECTED = {
    ".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg",
    ".tif": "tiff", ".tiff": "tiff", ".gif": "gif", ".bmp": "bmp", ".webp": "webp",
    ".jp2": "jp2", ".pbm": "pnm", ".pgm": "pnm", ".ppm": "pnm", ".pnm": "pnm",
}


@dataclass(frozen=True)
class InputGroup:
    """Files that together make one document."""

    kind: str  # pdf | tiff | image | image-folder
    paths: tuple[Path, ...]
    formats: tuple[str, ...]
    label: str  # the input as given: file or folder path


@dataclass
class Discovery:
    groups: list[InputGroup] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def discover(paths: list[str | os.PathLike], *, identify: Callable[[Path], str] = detect_format) -> Discovery:
    """Apply the grouping rules to every path given, recursing into directories. `identify` reads a
    regular file's format from its content (fixity.detect_format)."""
    result = Discovery()
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            _walk(p, result, seen_dirs, identify)
        elif p.exists() or p.is_symlink():
            _add(p, *_classify(p, identify), result)
        else:
            result.failed.append((display_path(p), "no such file or directory"))
    return result


def _classify(p: Path, identify: Callable[[Path], str]) -> tuple[str | None, str | None]:
    """(format, error): format is None for a file to skip, error set for a file that failed."""
    try:
        mode = p.stat().st_mode
        # Open only regular files: reading a FIFO named page.pdf would block forever, and a
        # device could be endless.
        if not stat.S_ISREG(mode):
            return None, f"not a regular file ({_kind_of(mode)}): only files can be ingested"
        fmt = identify(p)
    except PermissionError:
        return None, "permission denied: the file cannot be read"
    except FileNotFoundError:
        if p.is_symlink():
            return None, "broken symbolic link: its target does not exist"
        return None, "no such file or directory"
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror or exc}"
    expected = _EXPECTED.get(p.suffix.lower())
    if fmt == "empty":
        return None, "empty file (0 bytes)"
    if fmt == "unknown":
        if expected:
            return None, f"not a {expected.upper()} file: its content matches no supported format"
        return None, None
    return fmt, None


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a file"


def _add(p: Path, fmt: str | None, error: str | None, result: Discovery) -> None:
    shown = display_path(p)
    if error:
        result.failed.append((shown, error))
    elif fmt is None:
        result.skipped.append((shown, "unsupported format"))
    elif fmt == "pdf":
        result.groups.append(InputGroup("pdf", (p,), ("pdf",), shown))
    elif fmt == "tiff":
        result.groups.append(InputGroup("tiff", (p,), ("tiff",), shown))
    else:
        result.groups.append(InputGroup("image", (p,), (fmt,), shown))


def _walk(d: Path, result: Discovery, seen: set[tuple[int, int]], identify: Callable[[Path], str]) -> None:
    shown = display_path(d)
    try:
        st = d.stat()
    except OSError as exc:
        result.failed.append((shown, f"cannot read directory: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:  # a symlink loop or a folder reached twice
        result.skipped.append((shown, "directory already visited (symlink loop)"))
        return
    seen.add(key)
    try:
        listing = list(d.iterdir())
        entries = natsorted((e for e in listing if not e.name.startswith(".")),
                            key=lambda e: e.name, alg=ns.PATH)
    except OSError as exc:
        result.failed.append((shown, f"cannot list directory: {exc.strerror or exc}"))
        return
    if not listing:
        result.skipped.append((shown, "empty folder"))
        return
    # Hidden files (.DS_Store, editor backups) are not ingested, but every path is accounted for.
    result.skipped += [(display_path(e), "hidden file or folder") for e in sorted(listing) if e.name.startswith(".")]
    subdirs = [e for e in entries if e.is_dir()]
    files = [e for e in entries if not e.is_dir()]
    classified = [(f, *_classify(f, identify)) for f in files]
    images = [(f, fmt) for f, fmt, err in classified if fmt in IMAGE_FORMATS]
    others = [(f, fmt, err) for f, fmt, err in classified if fmt not in IMAGE_FORMATS]
    page_folder = images and not subdirs and all(fmt is None and err is None for _, fmt, err in others)
    if page_folder:
        # A folder of page images (sidecars such as .txt ignored): one document, natural order.
        result.groups.append(InputGroup(
            "image-folder", tuple(f for f, _ in images), tuple(fmt for _, fmt in images), shown))
        for f, _, _ in others:
            result.skipped.append((display_path(f), "sidecar file in a page folder"))
        return
    for f, fmt, err in classified:
        _add(f, fmt, err, result)
    for sub in subdirs:
        _walk(sub, result, seen, identify)
