"""The pieces of a PDF/A-2b access copy that do not depend on the document: the invisible-text font,
the sRGB output intent, the XMP/Info metadata, and the content stream of one page's text layer.

Kept apart from reports.access_pdf (which walks documents and pages) so each stays small.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence

import pikepdf
from PIL import ImageCms

from archive import __version__
from archive.errors import UsageError

# Tesseract's glyphless font: one empty glyph (GID 1, advance 1024/2048 em), so every character of
# the text layer maps to it, shows nothing and is as wide as we scale it (Tz) to the word's box.
GLYPHLESS_FONT = Path("/usr/share/tesseract-ocr/5/tessdata/pdf.ttf")
GLYPH_WIDTH = 500  # per 1000 em, GID 1 of the font above
PRODUCER = f"archive-tracker {__version__} (pikepdf)"


def _to_unicode_cmap() -> bytes:
    """CIDs are the characters' BMP code points (Identity-H), so the map is the identity; ranges
    may only vary in the last byte, hence one range per high byte."""
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    body = []
    for i in range(0, len(ranges), 100):
        chunk = ranges[i:i + 100]
        body.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + "\n".join(body) +
            "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode("ascii")


def glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The Type0 font of the text layer, embedded (PDF/A: every font embedded), with a ToUnicode map."""
    if not GLYPHLESS_FONT.is_file():
        raise UsageError("the glyphless font of the text layer is missing (Debian package tesseract-ocr)",
                         path=str(GLYPHLESS_FONT))
    program = GLYPHLESS_FONT.read_bytes()
    font_file = pikepdf.Stream(pdf, program)
    font_file.Length1 = len(program)
    # Every CID (code point) shows GID 1: a two-byte big-endian map of 65536 entries, all 0x0001.
    cid_to_gid = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536, 9))
    cid_to_gid.Filter = pikepdf.Name.FlateDecode
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name.GlyphLessFont, Flags=5,
        FontBBox=[0, 0, GLYPH_WIDTH, 1000], ItalicAngle=0, Ascent=1000, Descent=0, CapHeight=1000,
        StemV=80, FontFile2=font_file))
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name.GlyphLessFont,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor, DW=GLYPH_WIDTH, CIDToGIDMap=cid_to_gid))
    to_unicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap(), 9))
    to_unicode.Filter = pikepdf.Name.FlateDecode
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name.GlyphLessFont,
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[cid_font], ToUnicode=to_unicode))


def srgb_output_intent(pdf: pikepdf.Pdf) -> None:
    """PDF/A: an output intent with an embedded ICC profile; sRGB (made by Pillow's LittleCMS, so no
    profile file is needed on the machine) covers the DeviceRGB and DeviceGray page images."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    profile = pikepdf.Stream(pdf, zlib.compress(icc, 9))
    profile.Filter = pikepdf.Name.FlateDecode
    profile.N = 3
    pdf.Root.OutputIntents = [pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1, OutputConditionIdentifier="sRGB",
        Info="sRGB IEC61966-2.1", DestOutputProfile=profile))]


def set_metadata(pdf: pikepdf.Pdf, *, title: str, creators: list[str], created: Optional[datetime] = None) -> None:
    """XMP with pdfaid part 2 / conformance B, and the Info dictionary saying the same (PDF/A)."""
    now = (created or datetime.now(timezone.utc)).replace(microsecond=0)
    # update_docinfo: pikepdf writes the same title, authors, dates and producer into /Info.
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = title
        if creators:
            meta["dc:creator"] = creators
        meta["xmp:CreatorTool"] = PRODUCER
        meta["pdf:Producer"] = PRODUCER
        stamp = now.isoformat()
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp


def _hex(text: str) -> str:
    # Identity-H: two bytes per character, the BMP code point; anything beyond the BMP becomes U+FFFD.
    return "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF and not 0xD800 <= ord(c) <= 0xDFFF else "FFFD"
                   for c in text)


def text_layer(layout, scale: float, page_height: float) -> bytes:
    """Render mode 3 (invisible) words, each stretched horizontally (Tz) to fill its box.

    `scale` turns layout units (pixels of the upright page image) into points; y runs down in the
    layout and up in PDF. A space is drawn after every word, the last of a line too: on closely set
    pages a line's box is taller than the line pitch, and extractors that tell lines apart by the
    drop of the baseline against the type size would otherwise run two lines' words together."""
    out = io.StringIO()
    out.write("BT\n3 Tr\n")
    for line in layout.lines:
        size = max(1.0, (line.box[3] - line.box[1]) * scale)
        for word in line.words:
            x0, y0, x1, y1 = word.box
            if not word.text:
                continue
            text = word.text + " "
            width = max(0.5, (x1 - x0) * scale)
            # Fit the word itself (not the trailing space) into the box.
            tz = 100.0 * width / (len(word.text) * size * GLYPH_WIDTH / 1000.0)
            # Baseline a fifth of the line height above the line's bottom (room for descenders),
            # but never below the word's own box: a word without descenders ends on the baseline.
            baseline = max(page_height - line.box[3] * scale + size * 0.2, page_height - y1 * scale)
            out.write(f"/F1 {size:.2f} Tf {tz:.2f} Tz 1 0 0 1 {x0 * scale:.2f} {baseline:.2f} Tm "
                      f"<{_hex(text)}> Tj\n")
    out.write("ET\n")
    return out.getvalue().encode("ascii")


def join_parts(parts: Sequence[Path], target: Path) -> None:
    """Join part files into `target` with the qpdf command (Debian `qpdf`): the first part's
    catalogue (XMP, output intent) and /Info are kept, the pages of all follow in order. qpdf copies
    each stream from its file as it writes (`--stream-data=preserve`: not decoded, not re-encoded),
    so neither it nor this process holds the document's images."""
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        raise UsageError("the qpdf command is needed to join a long document's access copy "
                         "(Debian package qpdf; scripts/bootstrap.sh installs it)", path=str(target))
    cmd = [qpdf, "--stream-data=preserve", "--object-streams=generate", str(parts[0]),
           "--pages", *map(str, parts), "--", str(target)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        target.unlink(missing_ok=True)
        reason = (run.stderr.strip().splitlines() or [f"exit {run.returncode}"])[-1]
        raise UsageError(f"qpdf could not join the access copy's parts: {reason}", path=str(target))
