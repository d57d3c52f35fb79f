"""The JSON report: the export contract of archive.store.reads.export, for exactly the report's documents."""

from __future__ import annotations

import json
from pathlib import Path

from reports.registry import ReportContext

FILE_NAME = "catalog.json"


def write(ctx: ReportContext) -> list[Path]:
    text = json.dumps(ctx.export(), indent=2, ensure_ascii=False)
    return [ctx.out.write_text(FILE_NAME, text + "\n")]
