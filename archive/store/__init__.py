"""The store: the tables, the database, and every write and read of the archive.

The modules, and what each owns:

- ``archive.store.vocabulary``: the closed vocabularies (``str`` enums: event types, outcomes,
  agent kinds, page methods, fixity results, citation and relation kinds, date precisions).
- ``archive.store.fields``: the descriptive metadata fields: the one list of their names, in
  catalogue order, and their labels.
- ``archive.store.models``: every database table (SQLModel), in one place.
- ``archive.store.migrations``: the schema as Alembic revisions (``versions/``), applied when a
  database is opened; ``python -m archive.store.migrations revision "..."`` writes a new one.
- ``archive.store.db``: engines from a URL (SQLite or PostgreSQL), their settings, sessions
  (``session_scope``) and bringing the schema to the newest migration.
- ``archive.store.writes``: every write: each change together with its provenance event (agents,
  documents, fixity, assertions and the current metadata, citations, keys, links), in the caller's
  transaction.
- ``archive.store.reads``: every read: documents and their filter, pages, events, full-text search,
  citations and links, and the JSON export contract.
- ``archive.store.plain``: reads of whole rows without the ORM (read-only records), for the pages that
  only show them.

Imports point one way: writes and reads -> models -> vocabulary; reads and accounts -> plain; writes ->
fields; db -> models and (when the schema is behind) migrations; migrations -> models. Below the store
is only ``archive.errors`` (and ``archive.__version__``, which names the software in the provenance it
writes); above it ingest, provenance and reports, and over those ``archive.cli``; ``.importlinter``
checks it. Reports read through ``reads`` and never import ``writes`` or ``db``.

This package re-exports nothing: import the module that owns a name.
"""
