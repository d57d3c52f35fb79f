"""Image-only PDFs for the benchmarks: one page per image, embedded losslessly, written as it goes.

JPEG files are embedded byte for byte (DCTDecode), other images as their decoded pixels
(FlateDecode), so an OCR tool reading the PDF sees exactly the pixels of the image files.
Pages are written one at a time, so a 500-page PDF never holds more than one image in memory.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import Iterable

from PIL import Image

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
    """Write an image-only PDF of `images` (in order) to `out`; returns the page count."""
    paths = [Path(p) for p in images]
    n = len(paths)
    offsets: list[int] = []
    with open(out, "wb") as fh:
        def obj(body: bytes, stream: bytes | None = None) -> None:
            offsets.append(fh.tell())
            fh.write(f"{len(offsets)} 0 obj\n".encode() + body)
            if stream is not None:
                fh.write(b"\nstream\n" + stream + b"\nendstream")
            fh.write(b"\nendobj\n")

        fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(n))
        obj(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
        for i, path in enumerate(paths):
            head, data, wpt, hpt = _image_object(path, default_dpi)
            page, content, image = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
            obj(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {wpt:.2f} {hpt:.2f}] "
                f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode())
            draw = f"q {wpt:.2f} 0 0 {hpt:.2f} 0 0 cm /Im0 Do Q".encode()
            obj(f"<< /Length {len(draw)} >>".encode(), draw)
            assert len(offsets) == page + 1
            obj(head, data)
            assert len(offsets) == image
        xref = fh.tell()
        fh.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        fh.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
        fh.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return n
