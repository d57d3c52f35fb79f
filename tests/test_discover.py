from pathlib import Path

from PIL import Image

from ingest.discover import discover
from sample.make import write_text_pdf


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (20, 20), 255).save(path, format="PNG")
    return path


def _tiff(path: Path, frames: int) -> Path:
    imgs = [Image.new("L", (20, 20), 255) for _ in range(frames)]
    imgs[0].save(path, save_all=True, append_images=imgs[1:])
    return path


def test_page_folder_is_one_document_in_natural_order_ignoring_sidecars(tmp_path):
    folder = tmp_path / "pamphlet"
    for n in (10, 2, 1):
        _png(folder / f"page-{n}.png")
    (folder / "page-1.txt").write_text("sidecar transcription")
    found = discover([folder])
    assert len(found.groups) == 1
    group = found.groups[0]
    assert group.kind == "image-folder"
    assert [p.name for p in group.paths] == ["page-1.png", "page-2.png", "page-10.png"]
    assert found.failed == []


def test_mixed_folder_is_walked_each_item_its_own_document(tmp_path):
    root = tmp_path / "box"
    root.mkdir()
    write_text_pdf(root / "a.pdf", [["hello"]])
    _tiff(root / "b.tif", 3)
    _png(root / "lone.png")
    _png(root / "issue-7" / "p1.png")
    _png(root / "issue-7" / "p2.png")
    (root / "notes.txt").write_text("x")
    found = discover([root])
    kinds = sorted((g.kind, len(g.paths)) for g in found.groups)
    assert kinds == [("image", 1), ("image-folder", 2), ("pdf", 1), ("tiff", 1)]
    assert [s[1] for s in found.skipped] == ["unsupported format"]


def test_content_not_extension_decides_and_bad_files_fail_with_reasons(tmp_path):
    (tmp_path / "fake.pdf").write_text("I am not a PDF")
    (tmp_path / "empty.png").write_bytes(b"")
    _png(tmp_path / "really-a-png.jpg")
    found = discover([tmp_path / "fake.pdf", tmp_path / "empty.png", tmp_path / "really-a-png.jpg",
                      tmp_path / "nope.pdf"])
    reasons = dict(found.failed)
    assert "not a PDF file" in reasons[str(tmp_path / "fake.pdf")]
    assert reasons[str(tmp_path / "empty.png")] == "empty file (0 bytes)"
    assert reasons[str(tmp_path / "nope.pdf")] == "no such file or directory"
    assert [g.formats for g in found.groups] == [("png",)]
