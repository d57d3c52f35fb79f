"""The descriptive metadata fields: the one list of their names, in catalogue order, and their labels.

Everything that names the fields derives from here: the store (which fields an assertion may be
about), metadata extraction, the fields copies of one work share, `archive show`, and the labels
of the HTML and PDF catalogues.
"""

from __future__ import annotations

# (field, label shown in catalogues), in the order a catalogue entry lists them.
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("subtitle", "Subtitle"),
    ("authors", "Authors"),
    ("organization", "Organization"),
    ("publisher", "Publisher"),
    ("place", "Place"),
    ("date", "Date"),
    ("date_not_before", "Not before"),   # inferred lower bound, never a publication date
    ("language", "Language"),
)
METADATA_FIELDS: tuple[str, ...] = tuple(name for name, _ in FIELD_LABELS)
