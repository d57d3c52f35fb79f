"""Streamed SHA-256 message digests and file-format identification from content."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CHUNK = 1 << 20  # 1 MiB: hashing never holds a whole file in memory

# (format, signature, offset) checked in order; the extension is never trusted.
_SIGNATURES: list[tuple[str, bytes, int]] = [
    ("png", b"\x89PNG\r\n\x1a\n", 0),
    ("jpeg", b"\xff\xd8\xff", 0),
    ("tiff", b"II*\x00", 0),
    ("tiff", b"MM\x00*", 0),
    ("tiff", b"II+\x00", 0),  # BigTIFF
    ("tiff", b"MM\x00+", 0),
    ("gif", b"GIF87a", 0),
    ("gif", b"GIF89a", 0),
    ("bmp", b"BM", 0),
    ("jp2", b"\x00\x00\x00\x0cjP  \r\n\x87\n", 0),
]

IMAGE_FORMATS = frozenset({"png", "jpeg", "tiff", "gif", "bmp", "webp", "jp2", "pnm"})
SUPPORTED_FORMATS = IMAGE_FORMATS | {"pdf"}


def sha256_file(path: str | os.PathLike) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def detect_format(path: str | os.PathLike) -> str:
    """The file's format judged by its first bytes: 'pdf', 'png', ..., 'empty' or 'unknown'."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    return detect_format_bytes(head)


def detect_format_bytes(head: bytes) -> str:
    if not head:
        return "empty"
    # PDF readers accept junk before the header (ISO 32000 tolerates it in practice).
    if b"%PDF-" in head:
        return "pdf"
    for fmt, sig, off in _SIGNATURES:
        if head[off:off + len(sig)] == sig:
            return fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] in (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6") and head[2:3].isspace():
        return "pnm"
    return "unknown"


def fingerprint(sha256s: list[str]) -> str:
    """The identity of an input: a single file's own digest, or a digest over the ordered list."""
    if len(sha256s) == 1:
        return sha256s[0]
    return hashlib.sha256("\n".join(sha256s).encode()).hexdigest()


def display_path(path: str | os.PathLike) -> str:
    """A path as valid UTF-8 text, for messages and the database; undecodable bytes become \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def resolve_stored_path(stored: str) -> Path:
    """Back from display_path() to a path the OS can open (inverse of backslashreplace)."""
    if "\\x" not in stored:
        return Path(stored)
    raw = stored.encode("utf-8").decode("unicode_escape").encode("latin-1")
    return Path(os.fsdecode(raw))
