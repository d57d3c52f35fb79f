"""The closed vocabularies: every value a field of the archive may take from a fixed list, in one place.

Each is a `str` enum, so a member compares equal to the text stored in the database and written
to exports (`PageMethod.OCR == "ocr"`); the tables keep plain strings (archive/models.py).
"""

from __future__ import annotations

import enum


class EventType(str, enum.Enum):
    """PREMIS event types (https://id.loc.gov/vocabulary/preservation/eventType)."""

    INGESTION = "ingestion"
    MESSAGE_DIGEST = "message digest calculation"
    FORMAT_IDENTIFICATION = "format identification"
    TEXT_EXTRACTION = "text extraction"
    OCR = "optical character recognition"
    FIXITY_CHECK = "fixity check"
    METADATA_EXTRACTION = "metadata extraction"
    METADATA_MODIFICATION = "metadata modification"
    CITATION_EXTRACTION = "citation extraction"
    LINKING = "linking"
    DUPLICATE_DETECTION = "duplicate detection"


class Outcome(str, enum.Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    WARNING = "warning"


class AgentKind(str, enum.Enum):
    SOFTWARE = "software"
    PERSON = "person"
    ORGANIZATION = "organization"


class PageMethod(str, enum.Enum):
    """How a page's text was obtained (Page.method)."""

    TEXT_LAYER = "text-layer"
    OCR = "ocr"
    NONE = "none"  # a blank page or one whose text could not be obtained


class FixityResult(str, enum.Enum):
    """The result of re-hashing a source file (SourceFile.last_fixity)."""

    OK = "ok"
    MODIFIED = "modified"
    MISSING = "missing"


class CitationKind(str, enum.Enum):
    """Where a citation was found (Citation.kind)."""

    IN_TEXT = "in-text"
    NOTE = "note"
    BIBLIOGRAPHY = "bibliography"


class RelationKind(str, enum.Enum):
    """How two documents hold the same work (DuplicateRelation.kind)."""

    IDENTICAL_TEXT = "identical-text"
    NEAR_DUPLICATE = "near-duplicate"
    PARTIAL_COPY = "partial-copy"  # the shorter text lies mostly inside the longer one


class DatePrecision(str, enum.Enum):
    """How much of a date is stated (Document.date_precision)."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"
