"""The archive store: models, database, writes, reads and the `archive` command."""

__version__ = "0.1.0"
