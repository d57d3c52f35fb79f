"""The `archive report` command: the catalogue as HTML, CSV, Dublin Core, JSON or PDF."""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import State, emit_json, pass_state, say
from archive.cli.core import filter_options, make_filter

FORMATS = ["html", "csv", "dc", "json", "pdf", "pdf-a", "all"]


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True,
              help="Output format; `all` writes every format into the same folder.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created if needed; existing report files are replaced).")
@filter_options
@click.option("--query", metavar="TEXT", help="Only documents whose text matches this full-text query.")
@click.option("--ocr-threshold", type=click.FloatRange(0, 100), default=70.0, show_default=True,
              help="Pages below this mean OCR confidence are listed as rescanning candidates.")
@click.option("--title", "site_title", default="Catalogue of the collection", show_default=True,
              help="The catalogue's title, on every page.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON on stdout.")
@pass_state
def report(state: State, fmt: str, out_dir: Path, query: str | None, ocr_threshold: float, site_title: str,
           as_json: bool, **filters) -> None:
    """Write the catalogue for publication: a static HTML site, CSV, Dublin Core XML, JSON or PDF."""
    from reports.build import build_reports
    flt = make_filter(**filters)
    shown = {k.replace("date_", ""): v for k, v in filters.items() if v}
    if query:
        shown["text"] = query
    result = build_reports(state.engine, out_dir, fmt, flt=flt, query=query, ocr_threshold=ocr_threshold,
                           site_title=site_title, filters=shown)
    if as_json:
        emit_json(result.as_json())
    for name, info in result.formats.items():
        say(state, f"{name:<5} {info['count']:>6} file{'s' if info['count'] != 1 else ' '}  "
                   f"{result.output / info['main']}  ({info['seconds']:.2f} s)")
    say(state, f"{result.documents} documents written to {result.output}")


COMMANDS = [report]
