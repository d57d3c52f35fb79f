"""Generators for hostile and synthetic inputs: tiny hand-written PDFs, broken and encrypted
variants, decompression bombs, symlink loops, FIFOs, unreadable files and odd file names.

Everything is written into a directory the caller gives (a pytest tmp_path); nothing is
downloaded or copied from elsewhere. `make_hostile_set` returns what each input should
become, so tests and the RELIABILITY figures share one definition.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from testkit.pdfwrite import pdf_bytes, pdf_string

# Words for generated pages: distinct per document so that search and dedup see different texts.
_WORDS = ("archive pamphlet leaflet committee meeting printed union workers street council "
          "library notice public history press edition members district annual report").split()


def page_lines(seed: int, n: int = 6) -> list[str]:
    """A few lines of plain English words, different for every seed (deterministic)."""
    lines = []
    for i in range(n):
        words = [_WORDS[(seed * 7 + i * 3 + j * 5) % len(_WORDS)] for j in range(8)]
        lines.append(f"{' '.join(words)} number {seed} line {i}")
    return lines


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages carry the given lines as real text (Helvetica, WinAnsi)."""
    n = len(pages)
    # 1 catalog, 2 pages, 3 font, then (page, content) pairs.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    for i, lines in enumerate(pages):
        ops = [b"BT", b"/F1 12 Tf", b"14 TL", b"72 720 Td"]
        for line in lines:
            ops.append(b"(" + pdf_string(line) + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_bytes(objects)


def image_pdf_claiming(width: int, height: int) -> bytes:
    """A one-page PDF whose only image claims `width` x `height` pixels but holds a few bytes."""
    data = zlib.compress(b"\x00" * 64)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
               b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
               b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
               b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(data))
               + data + b"\nendstream",
               b"<< /Length 30 >>\nstream\nq 612 0 0 792 0 0 cm /Im0 Do Q\nendstream"]
    return pdf_bytes(objects)


def no_pages_pdf() -> bytes:
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def page_tree_cycle_pdf() -> bytes:
    """A page tree whose node lists itself as a kid: naive readers recurse forever."""
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"])


def broken_xref(pdf: bytes) -> bytes:
    """The same PDF with every xref offset and the startxref pointer wrong (readers must rebuild)."""
    pdf = re.sub(rb"(?m)^\d{10} 00000 n", b"0000000999 00000 n", pdf)
    return re.sub(rb"startxref\n\d+", b"startxref\n7", pdf)


def encrypted_pdf(pdf: bytes, user_password: str, owner_password: str = "owner-secret") -> bytes:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size over a tiny compressed body (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b""))


@dataclass(frozen=True)
class Expect:
    outcome: str  # ingested | failed | skipped | any (accounted for, whichever it is)
    reason: str = ""  # a substring the one-line reason must contain (failed/skipped)
    what: str = ""  # the hostile property, for the RELIABILITY table


def make_hostile_set(root: Path, *, unreadable: bool = True) -> dict[bytes, Expect]:
    """Write the hostile set under `root`; returns {path as bytes: expected outcome}.
    Keys are bytes because one file name is deliberately not valid UTF-8."""
    root.mkdir(parents=True, exist_ok=True)
    good = text_pdf([page_lines(1), page_lines(2)])
    out: dict[bytes, Expect] = {}

    def put(name: str | bytes, data: bytes, expect: Expect) -> Path:
        path = os.path.join(os.fsencode(root), os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        out[path] = expect
        return Path(os.fsdecode(path))

    put("good.pdf", good, Expect("ingested", what="valid two-page text PDF"))
    put("with spaces/a leaflet copy.pdf", text_pdf([page_lines(3)]), Expect("ingested", what="path with spaces"))
    put(b"caf\xe9-\xff name.pdf", text_pdf([page_lines(4)]),
        Expect("ingested", what="file name that is not valid UTF-8"))
    put("empty.pdf", b"", Expect("failed", "empty file", "zero-byte file"))
    put("truncated.pdf", text_pdf([page_lines(5), page_lines(6)])[:300],
        Expect("any", what="truncated PDF (first 300 bytes)"))
    put("broken-xref.pdf", broken_xref(text_pdf([page_lines(7)])),
        Expect("ingested", what="broken xref table and startxref pointer (recoverable)"))
    put("encrypted-empty-user-password.pdf", encrypted_pdf(text_pdf([page_lines(8)]), ""),
        Expect("ingested", what="AES-128 encrypted, empty user password"))
    put("encrypted-with-password.pdf", encrypted_pdf(text_pdf([page_lines(9)]), "s3cret"),
        Expect("failed", "--password", "AES-128 encrypted, user password set"))
    put("bomb.png", png_claiming(200_000, 200_000),
        Expect("failed", "limit", "PNG claiming 200000x200000 pixels (decompression bomb)"))
    put("bomb-in-pdf.pdf", image_pdf_claiming(60_000, 60_000),
        Expect("any", what="PDF image claiming 60000x60000 pixels"))
    put("not-a-pdf.pdf", b"<html><body>This is a web page, not a PDF.</body></html>\n" * 20,
        Expect("failed", "not a PDF", "HTML named .pdf"))
    put("no-pages.pdf", no_pages_pdf(), Expect("failed", "no pages", "PDF whose page tree is empty"))
    put("page-tree-cycle.pdf", page_tree_cycle_pdf(), Expect("any", what="page tree that contains itself"))
    put("nul-in-text-layer.pdf", text_pdf([[line + " \x00\x01" for line in page_lines(12, 12)]]),
        Expect("ingested", what="text layer holding NUL and control characters"))
    put("notes.txt", b"a sidecar text file\n", Expect("skipped", "unsupported", "unsupported file type"))
    put(".hidden.pdf", good, Expect("skipped", "hidden", "hidden file"))

    (root / "empty folder").mkdir()
    out[os.fsencode(root / "empty folder")] = Expect("skipped", "empty folder", "empty folder")
    loop = root / "loop" / "inner"
    loop.mkdir(parents=True)
    put("loop/inner/page.pdf", text_pdf([page_lines(10)]), Expect("ingested", what="file inside a symlink loop"))
    os.symlink("..", loop / "back")  # loop/inner/back -> loop
    out[os.fsencode(loop / "back")] = Expect("skipped", "symlink loop", "directory symlink loop")
    os.symlink("self.pdf", root / "self.pdf")
    out[os.fsencode(root / "self.pdf")] = Expect("failed", "symbolic links", "symlink pointing at itself")
    os.symlink("does-not-exist.pdf", root / "dangling.pdf")
    out[os.fsencode(root / "dangling.pdf")] = Expect("failed", "broken symbolic link", "dangling symlink")
    os.mkfifo(root / "fifo.pdf")
    out[os.fsencode(root / "fifo.pdf")] = Expect("failed", "not a regular file", "named pipe called .pdf")
    if unreadable:
        locked = put("unreadable.pdf", text_pdf([page_lines(11)]),
                     Expect("failed", "permission denied", "file with mode 000"))
        os.chmod(locked, 0)
    return out


def decode_key(path: bytes) -> str:
    """A key path in the form the archive reports it (undecodable bytes as \\xNN)."""
    return path.decode("utf-8", "backslashreplace")


def text_png(lines: list[str], path: Path) -> None:
    """A small page image with the lines drawn in a real font (for OCR that takes well under a second)."""
    from PIL import Image, ImageDraw, ImageFont
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_path), 28) if font_path.exists() else ImageFont.load_default(28)
    img = Image.new("L", (1400, 60 + 44 * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 30 + 44 * i), line, fill=0, font=font)
    img.save(path, dpi=(300, 300))


def make_batch(root: Path, *, pdfs: int, pages: int, images: int = 0, seed: int = 100) -> dict[str, int]:
    """A batch of good, distinct inputs: {file name: page count}. Text PDFs are cheap to ingest;
    images go through the real Tesseract."""
    root.mkdir(parents=True, exist_ok=True)
    expected: dict[str, int] = {}
    for i in range(pdfs):
        name = f"doc-{i:03d}.pdf"
        (root / name).write_bytes(text_pdf([page_lines(seed + i * pages + p) for p in range(pages)]))
        expected[name] = pages
    for i in range(images):
        name = f"scan-{i:03d}.png"
        text_png(page_lines(seed + 10_000 + i, 3), root / name)
        expected[name] = 1
    return expected


if __name__ == "__main__":  # python -m tests.hostile DIR: write the hostile set, list what each file is
    import sys
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for key, exp in make_hostile_set(target).items():
        print(f"{exp.outcome:<9} {decode_key(key)}  ({exp.what})")
