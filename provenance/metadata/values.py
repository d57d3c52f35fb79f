"""The value types of metadata extraction: a field value and the span of page text that shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.store.fields import METADATA_FIELDS

FIELDS = METADATA_FIELDS


@dataclass(frozen=True)
class Evidence:
    """Where a value was read: 1-based page, character span into that page's text, and the span itself."""

    page: int
    start: int
    end: int
    text: str
    box: tuple[int, int, int, int] | None = None    # where the span is printed, when the page's layout is known


@dataclass(frozen=True)
class FieldValue:
    """One metadata field as the document states it, with the rule that found it and its evidence."""

    field: str
    value: str | list[str] | None
    normalized: str | None
    confidence: float
    method: str
    evidence: Evidence | None
    qualifiers: dict = field(default_factory=dict)
