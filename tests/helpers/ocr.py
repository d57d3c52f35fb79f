"""An OCR engine for tests: the real Tesseract, counting its recognitions in a log file, so that a
test sees every page OCR'd in any worker process (the engine travels to them in each page task)."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.ocr import DEFAULT_PSM, OcrText, TesseractEngine


class CountingTesseract:
    name = TesseractEngine.name

    def __init__(self, log: Path, psm: int = DEFAULT_PSM):
        self.log = str(log)
        self.psm = psm

    def version(self) -> str:
        return TesseractEngine(self.psm).version()

    def recognize(self, image, *, lang: str, source: str, path=None, dpi=None) -> OcrText:
        # One line per recognition, with the thread limit the recognizing process runs under.
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"threads={os.environ.get('OMP_THREAD_LIMIT')} pid={os.getpid()}\n")
        return TesseractEngine(self.psm).recognize(image, lang=lang, source=source, path=path, dpi=dpi)

    def calls(self) -> int:
        """Recognitions since the last call; each one ran with one OpenMP thread."""
        log = Path(self.log)
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        assert all(line.startswith("threads=1 ") for line in lines), lines
        return len(lines)
