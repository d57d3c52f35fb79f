"""Shared CLI plumbing: the database state, JSON output, progress bars."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

import click
from sqlalchemy.engine import Engine


@dataclass
class State:
    db_url: Optional[str]
    quiet: bool = False
    verbose: bool = False
    _engine: Optional[Engine] = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from archive.store.db import make_engine
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
