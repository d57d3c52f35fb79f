"""Untrusted text and output paths: every report file lands inside the output folder, under a name we made."""

from __future__ import annotations

import os
import re
from pathlib import Path

from archive.errors import UsageError

# Names we generate ourselves ("documents/doc-12.html", "thumbnails/doc-12-p003.jpg"): lower-case
# letters, digits, dots, dashes and underscores, in at most a few folder levels. Anything else is a
# bug in a writer, never something derived from a title or a source path.
_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,120}(/[a-z0-9][a-z0-9._-]{0,120}){0,3}")

# Characters XML 1.0 forbids (C0 controls other than tab, newline, carriage return; lone
# surrogates; U+FFFE/U+FFFF). OCR output and PDF text layers do contain form feeds and NULs.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: object) -> str:
    """A value as text that any XML or HTML serializer accepts: invalid characters removed."""
    if value is None:
        return ""
    return _XML_INVALID.sub("", str(value))


def doc_page_name(doc_id: int) -> str:
    return f"doc-{int(doc_id)}.html"


class UnsafeOutputPath(UsageError):
    """A report file would land outside its output folder."""


class OutputDir:
    """The report's output folder; writes only names that `_SAFE_NAME` accepts, never through a
    symbolic link that leads elsewhere, and records what it wrote."""

    def __init__(self, root: Path | str):
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the output folder: {exc.strerror}", path=str(root)) from exc
        if not root.is_dir():
            raise UsageError("the output path exists and is not a folder", path=str(root))
        self.root = root.resolve()
        self.written: list[Path] = []

    def path_for(self, name: str) -> Path:
        """The absolute path for a generated name, or UnsafeOutputPath."""
        if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name.split("/"):
            raise UnsafeOutputPath(f"refusing to write {name!r}: report file names are generated, "
                                   "lower-case and relative to the output folder")
        target = self.root / name
        # resolve() follows any symbolic link already present in the folder (a planted
        # `documents -> /etc` or `index.html -> ~/.bashrc`): the real target must stay inside.
        real = target.resolve()
        if not real.is_relative_to(self.root):
            raise UnsafeOutputPath(f"refusing to write {name!r}: it resolves outside the output folder "
                                   f"({real})")
        return target

    def write_bytes(self, name: str, data: bytes) -> Path:
        target = self.path_for(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: should a symbolic link appear at the name after the check above, the open
        # fails instead of writing through it.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.written.append(target)
        return target

    def open_stream(self, name: str):
        """A binary file open for writing at a generated name, for writers that stream (a
        1,000-page hOCR file is written page by page, never held whole)."""
        target = self.path_for(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        self.written.append(target)
        return os.fdopen(fd, "wb")

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))
