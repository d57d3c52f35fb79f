"""The descriptive metadata fields: the one list of their names, in catalogue order, and their labels.

Everything that names the fields derives from here: the store (which fields an assertion may be
about), metadata extraction, the fields copies of one work share, `archive show`, and the labels
of the HTML and PDF catalogues.
"""

from __future__ import annotations

import re

from archive.errors import UsageError

# (field, label shown in catalogues), in the order a catalogue entry lists them.
FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("subtitle", "Subtitle"),
    ("series", "Series"),                # the series the work was issued in, as printed ("Studies in ...")
    ("authors", "Authors"),
    ("organization", "Organization"),
    ("publisher", "Publisher"),
    ("place", "Place"),
    ("date", "Date"),
    ("date_not_before", "Not before"),   # inferred lower bound, never a publication date
    ("language", "Language"),
)
METADATA_FIELDS: tuple[str, ...] = tuple(name for name, _ in FIELD_LABELS)


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_value(field: str, value: str):
    """The command-line text as the stored value: '' or 'null' clears; authors split on ';'."""
    if value.strip().lower() in ("", "null", "none"):
        return None, {}
    if field == "authors":
        return [a.strip() for a in value.split(";") if a.strip()], {}
    if field in ("date", "date_not_before"):
        m = _DATE.fullmatch(value.strip())
        if not m:
            raise UsageError(f"{field} {value!r}: give YYYY, YYYY-MM or YYYY-MM-DD")
        precision = "day" if m.group(3) else "month" if m.group(2) else "year"
        return value.strip(), {"precision": precision}
    return " ".join(value.split()), {}
