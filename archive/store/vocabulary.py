"""The closed vocabularies: every value a field of the archive may take from a fixed list, in one place.

Each is a `str` enum, so a member compares equal to the text stored in the database and written
to exports (`PageMethod.OCR == "ocr"`); the tables keep plain strings (archive/store/models.py).
"""

from __future__ import annotations

import enum


class Vocabulary(str, enum.Enum):
    """A closed vocabulary; its members are the texts stored."""


# PREMIS event types (https://id.loc.gov/vocabulary/preservation/eventType).
EventType = Vocabulary("EventType", [
    ("INGESTION", "ingestion"),
    ("MESSAGE_DIGEST", "message digest calculation"),
    ("FORMAT_IDENTIFICATION", "format identification"),
    ("TEXT_EXTRACTION", "text extraction"),
    ("OCR", "optical character recognition"),
    ("FIXITY_CHECK", "fixity check"),
    ("METADATA_EXTRACTION", "metadata extraction"),
    ("METADATA_MODIFICATION", "metadata modification"),
    ("CITATION_EXTRACTION", "citation extraction"),
    ("LINKING", "linking"),
    ("DUPLICATE_DETECTION", "duplicate detection"),
], module=__name__)
# How a provenance event ended (Event.outcome); who or what acted (Agent.kind).
Outcome = Vocabulary("Outcome", [("SUCCESS", "success"), ("FAILURE", "failure"), ("WARNING", "warning")],
                     module=__name__)
AgentKind = Vocabulary("AgentKind", [("SOFTWARE", "software"), ("PERSON", "person"), ("ORGANIZATION", "organization")],
                       module=__name__)
# How a page's text was obtained (Page.method); NONE: a blank page or one whose text could not be obtained.
PageMethod = Vocabulary("PageMethod", [("TEXT_LAYER", "text-layer"), ("OCR", "ocr"), ("NONE", "none")],
                        module=__name__)
# The result of re-hashing a source file (SourceFile.last_fixity).
FixityResult = Vocabulary("FixityResult", [("OK", "ok"), ("MODIFIED", "modified"), ("MISSING", "missing")],
                          module=__name__)
# Where a citation was found (Citation.kind).
CitationKind = Vocabulary("CitationKind", [("IN_TEXT", "in-text"), ("NOTE", "note"), ("BIBLIOGRAPHY", "bibliography")],
                          module=__name__)
# How two documents hold the same work (DocumentRelation.kind); a partial copy's text lies mostly inside the other's.
RelationKind = Vocabulary("RelationKind", [("IDENTICAL_TEXT", "identical-text"), ("NEAR_DUPLICATE", "near-duplicate"),
                                           ("PARTIAL_COPY", "partial-copy")], module=__name__)
# How much of a date is stated (Document.date_precision).
DatePrecision = Vocabulary("DatePrecision", [("YEAR", "year"), ("MONTH", "month"), ("DAY", "day")], module=__name__)
# What a person's decision is about (Decision.subject), and what they decided (Decision.verdict).
DecisionSubject = Vocabulary("DecisionSubject", [("CITATION", "citation"), ("RELATION", "relation"),
                                                 ("VALUE", "value")], module=__name__)
Verdict = Vocabulary("Verdict", [("ACCEPTED", "accepted"), ("REJECTED", "rejected")], module=__name__)
