"""The `archive` command: one group with global options; errors become exit codes here, in one place."""

from __future__ import annotations

import os
import sys
import traceback

import click

# numpy's OpenBLAS starts a thread per core when it loads, which spin for ~60 ms of CPU; nothing
# here does linear algebra, and the cores belong to the OCR workers.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from archive import __version__
from archive.cli import common


class ArchiveGroup(click.Group):
    def invoke(self, ctx: click.Context):
        from archive.errors import EXIT_FAILURES, ArchiveError
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            if ctx.obj and ctx.obj.verbose:
                traceback.print_exc()
            click.echo(f"archive: error: {exc.one_line()}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `archive export | head`: the reader left, nothing to report
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_FAILURES)
        except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback with -v
            if ctx.obj and ctx.obj.verbose:
                traceback.print_exc()
            click.echo(f"archive: internal error: {exc.__class__.__name__}: {exc} (run with -v for the traceback)",
                       err=True)
            ctx.exit(EXIT_FAILURES)


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", envvar="ARCHIVE_DB", default=None, metavar="URL",
              help="Database URL (env ARCHIVE_DB). Default: sqlite:///archive.db in the working directory. "
                   "PostgreSQL: postgresql://user@host:port/dbname")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or summaries on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, prog_name="archive")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, quiet: bool, verbose: bool) -> None:
    """Archive scans with fixity, provenance, metadata and citation links."""
    ctx.obj = common.State(db_url=db_url, quiet=quiet, verbose=verbose)


def _register() -> None:
    from archive.cli import core, jobs, links, metadata, report, serve
    for module in (core, metadata, links, report, serve, jobs):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    try:
        cli.main(prog_name="archive", standalone_mode=True)
    except KeyboardInterrupt:  # Ctrl-C: committed work stays committed
        click.echo("archive: interrupted; everything committed so far is kept", err=True)
        sys.exit(130)
