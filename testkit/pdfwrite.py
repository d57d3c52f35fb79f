"""PDFs written by hand, object by object: the one serializer behind the sample's bulletin, the
hostile and synthetic test inputs and the benchmarks' image-only PDFs.

Objects are numbered 1, 2, ... in the order they are added and written as they come (a 500-page
PDF never holds more than one page in memory); `finish` writes the cross-reference table and the
trailer. The output is byte for byte what a test expects of a given list of objects.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import BinaryIO, Iterable

from PIL import Image

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"  # the binary comment marks the file as binary to transfer tools


class PdfObjects:
    """Numbered objects written to a binary file: add() each, then finish()."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.offsets: list[int] = []
        fh.write(HEADER)

    @property
    def count(self) -> int:
        return len(self.offsets)

    def add(self, body: bytes, stream: bytes | None = None) -> int:
        """Write the next object (`body`, then `stream` as its stream data if given); returns its number."""
        self.offsets.append(self.fh.tell())
        self.fh.write(b"%d 0 obj\n" % len(self.offsets) + body)
        if stream is not None:
            self.fh.write(b"\nstream\n" + stream + b"\nendstream")
        self.fh.write(b"\nendobj\n")
        return len(self.offsets)

    def finish(self, root: int = 1, *, xref: bool = True) -> None:
        """The cross-reference table (left out when `xref` is false: a broken file) and the trailer."""
        start = self.fh.tell()
        if xref:
            self.fh.write(b"xref\n0 %d\n0000000000 65535 f \n" % (self.count + 1))
            self.fh.write(b"".join(b"%010d 00000 n \n" % off for off in self.offsets))
        self.fh.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (self.count + 1, root, start))


def pdf_bytes(objects: list[bytes], *, root: int = 1, xref: bool = True) -> bytes:
    """Serialize numbered objects (1..n, streams written into their bodies) into a PDF."""
    out = io.BytesIO()
    pdf = PdfObjects(out)
    for body in objects:
        pdf.add(body)
    pdf.finish(root, xref=xref)
    return out.getvalue()


def pdf_string(text: str, encoding: str = "latin-1", errors: str = "strict") -> bytes:
    """A PDF literal string's content: the text encoded, with backslashes and parentheses escaped."""
    raw = text.encode(encoding, errors)
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


_SPACES = {"L": "/DeviceGray", "1": "/DeviceGray", "RGB": "/DeviceRGB"}


def _image_object(path: Path, default_dpi: float) -> tuple[bytes, bytes, float, float]:
    """(image dictionary, stream data, page width pt, page height pt) for one image file."""
    raw = path.read_bytes()
    with Image.open(io.BytesIO(raw)) as im:
        dpi = float(im.info.get("dpi", (default_dpi, default_dpi))[0] or default_dpi)
        w, h = im.size
        if im.format == "JPEG" and im.mode in ("L", "RGB"):
            mode, data, filt = im.mode, raw, "/DCTDecode"
        else:
            frame = im.convert("L") if im.mode not in _SPACES else im.copy()
            mode, data, filt = frame.mode, zlib.compress(frame.tobytes(), 6), "/FlateDecode"
    bits = 1 if mode == "1" else 8
    head = (f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace {_SPACES[mode]} "
            f"/BitsPerComponent {bits} /Filter {filt} /Length {len(data)} >>").encode()
    return head, data, w / dpi * 72, h / dpi * 72


def write_image_pdf(images: Iterable[Path], out: Path, *, default_dpi: float = 300.0) -> int:
    """Write an image-only PDF of `images` (in order, one page each, at each file's resolution) to
    `out`; returns the page count. JPEG files are embedded byte for byte (DCTDecode), other images
    as their decoded pixels (FlateDecode), so a reader of the PDF sees exactly the files' pixels."""
    paths = [Path(p) for p in images]
    n = len(paths)
    with open(out, "wb") as fh:
        pdf = PdfObjects(fh)
        pdf.add(b"<< /Type /Catalog /Pages 2 0 R >>")
        kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(n))
        pdf.add(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
        for i, path in enumerate(paths):
            head, data, wpt, hpt = _image_object(path, default_dpi)
            content, image = 4 + 3 * i, 5 + 3 * i
            pdf.add(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {wpt:.2f} {hpt:.2f}] "
                    f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode())
            draw = f"q {wpt:.2f} 0 0 {hpt:.2f} 0 0 cm /Im0 Do Q".encode()
            assert pdf.add(f"<< /Length {len(draw)} >>".encode(), draw) == content
            assert pdf.add(head, data) == image
        pdf.finish()
    return n
