"""Shared CLI plumbing: the database state, JSON output, progress bars."""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

import click
from sqlalchemy.engine import Engine

# Command modules of the other areas, registered when present (each exports COMMANDS).
_OPTIONAL_MODULES = ("archive.cli.metadata", "archive.cli.links", "archive.cli.report")


def optional_command_modules() -> list:
    found = []
    for name in _OPTIONAL_MODULES:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


@dataclass
class State:
    db_url: Optional[str]
    quiet: bool = False
    verbose: bool = False
    _engine: Optional[Engine] = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from archive.db import make_engine
            self._engine = make_engine(self.db_url)
        return self._engine


pass_state = click.make_pass_decorator(State)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


class Progress:
    """A progress bar on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, state: State, label: str):
        self.enabled = not state.quiet and sys.stderr.isatty()
        self.label = label
        self._bar = None
        self._stage = None
        self._shown = 0

    def __call__(self, *args) -> None:
        if not self.enabled:
            return
        stage, done, total = args if len(args) == 3 else (self.label, *args)
        if stage != self._stage or self._bar is None:
            self.close()
            self._stage = stage
            self._bar = click.progressbar(length=max(total, 1), label=f"{self.label}: {stage}", file=sys.stderr,
                                          show_pos=True, show_eta=True)
            self._bar.__enter__()
            self._shown = 0
        if done > self._shown:
            self._bar.update(done - self._shown)
            self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def say(state: State, message: str) -> None:
    if not state.quiet:
        click.echo(message, err=True)


def provenance_stage():
    """The provenance stage run after ingest (metadata, citations, links): provenance.pipeline.describe."""
    try:
        from provenance.pipeline import describe
    except ModuleNotFoundError as exc:
        if exc.name != "provenance.pipeline":
            raise
        return None
    return describe


def dublin_core_writer():
    from archive.errors import UsageError
    try:
        from reports.dublin_core import render
    except ModuleNotFoundError as exc:
        if exc.name != "reports.dublin_core":
            raise
        raise UsageError("Dublin Core export is not available in this build") from None
    return render
