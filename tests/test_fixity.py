import hashlib
import os

import pytest

from ingest import fixity


def test_sha256_streams_and_matches_hashlib(tmp_path):
    data = os.urandom(3 * fixity.CHUNK + 17)  # several chunks and a partial one
    p = tmp_path / "blob.bin"
    p.write_bytes(data)
    digest, size = fixity.sha256_file(p)
    assert digest == hashlib.sha256(data).hexdigest()
    assert size == len(data)


@pytest.mark.parametrize("head,expected", [
    (b"%PDF-1.7\n", "pdf"),
    (b"junk before header %PDF-1.4", "pdf"),
    (b"\x89PNG\r\n\x1a\n....", "png"),
    (b"\xff\xd8\xff\xe0....", "jpeg"),
    (b"II*\x00....", "tiff"),
    (b"MM\x00*....", "tiff"),
    (b"GIF89a", "gif"),
    (b"", "empty"),
    (b"hello, I am a text file", "unknown"),
])
def test_format_from_content(head, expected):
    assert fixity.detect_format_bytes(head) == expected


def test_format_ignores_extension(tmp_path):
    fake = tmp_path / "letter.pdf"
    fake.write_text("not a pdf at all")
    assert fixity.detect_format(fake) == "unknown"


def test_fingerprint_single_file_is_its_digest_and_order_matters():
    a, b = "a" * 64, "b" * 64
    assert fixity.fingerprint([a]) == a
    assert fixity.fingerprint([a, b]) != fixity.fingerprint([b, a])


def test_display_path_round_trips_undecodable_names(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9 scan.png"
    name = os.fsdecode(raw)
    shown = fixity.display_path(name)
    shown.encode("utf-8")  # storable as UTF-8 text
    assert "\\xe9" in shown
    assert os.fsencode(fixity.resolve_stored_path(shown)) == raw
