"""The provenance stage: reads stored page text, writes descriptive metadata, citations, links and copies.

The parts, and what each owns:

- ``provenance.text``: the text rules every part shares: the one ``fold``, the printed ``Line``
  with its offsets, page-number lines, the headings of lists of works cited and of notes, and
  the ibid. / op. cit. forms.
- ``provenance.metadata``: field-level descriptive metadata with evidence (title block,
  imprint and colophon, the body, dates with precision); pure functions of page text.
- ``provenance.citations``: citations in page text (parenthetical, numbered, notes) and
  reference lists (bibliography sections and their entries, note forms); pure functions of page text.
- ``provenance.matching``: resolution of citations to held documents, blocking keys, archive-wide
  linking, rescans and near-duplicates (similarity), and metadata shared between copies of one work.
- ``provenance.pipeline``: the steps that write, in one place, and the one entry (``update``, with
  ``describe`` and ``undescribed``) that ingest, ``extract``, ``relink`` and ``set`` use.

Imports point one way: pipeline -> matching -> metadata and citations (independent of each other)
-> text; ``.importlinter`` checks it. It reads through ``archive.store.reads`` and writes through
``archive.store.writes``.
"""
