"""All database tables in one place (their closed vocabularies are archive/store/vocabulary.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# The closed vocabularies live in archive.store.vocabulary; re-exported here for the tables' users.
from archive.store.vocabulary import (  # noqa: F401
    AgentKind,
    CitationKind,
    DatePrecision,
    DecisionSubject,
    EventType,
    FixityResult,
    Outcome,
    PageMethod,
    RelationKind,
    Verdict,
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: every timestamp in the archive is UTC-aware")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value


def _ts(**kw) -> Column:
    return Column(UTCDateTime(), **kw)


class Agent(SQLModel, table=True):
    """Who or what acted: software with its version, or a person."""

    __table_args__ = (UniqueConstraint("kind", "name", "version", name="uq_agent"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    name: str
    version: str = ""
    note: Optional[str] = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()


class Document(SQLModel, table=True):
    """One intellectual object: a pamphlet, leaflet, issue. Metadata columns hold the
    current value of each field (the best assertion); the assertions table holds why."""

    id: Optional[int] = Field(default=None, primary_key=True)
    # SHA-256 over the ordered SHA-256s of the source files: the identity of an input,
    # unique so that two concurrent ingests of the same input cannot both commit.
    fingerprint: str = Field(unique=True, index=True)
    label: str = ""  # the input's name as given (file or folder name)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    page_count: int = 0
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    text_sha256: str = Field(default="", index=True)
    mean_confidence: Optional[float] = None
    # Current metadata values (derived from assertions by archive.store.writes).
    title: Optional[str] = None
    subtitle: Optional[str] = None
    series: Optional[str] = None
    authors_json: str = "[]"
    organization: Optional[str] = Field(default=None, index=True)
    publisher: Optional[str] = Field(default=None, index=True)
    place: Optional[str] = Field(default=None, index=True)  # a facet: counted by index (GROUP BY)
    date: Optional[str] = Field(default=None, index=True)  # ISO YYYY, YYYY-MM or YYYY-MM-DD
    date_precision: Optional[str] = None  # DatePrecision
    date_approximate: bool = False
    date_not_before: Optional[str] = None  # inferred lower bound, never a publication date
    language: Optional[str] = None
    minhash: Optional[str] = None  # JSON MinHash signature of the text, for near-duplicate detection
    # When the provenance stage first described the document (metadata and citations); None until then,
    # so the documents an interrupted ingest left undescribed are found by index.
    described_at: Optional[datetime] = Field(default=None, sa_column=_ts(nullable=True, index=True))
    # Version of the blocking and similarity keys stored for the document and its citations
    # (provenance.matching.blocking.KEYS_VERSION); None or older: rebuilt by the next describe or relink.
    keys_version: Optional[int] = Field(default=None, index=True)


class SourceFile(SQLModel, table=True):
    """A file we hold, with its fixity information."""

    __table_args__ = (UniqueConstraint("document_id", "sequence", name="uq_source_seq"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    sequence: int = 0  # order within the document (page order for page images)
    path: str  # absolute path at ingest time
    size: int
    sha256: str = Field(index=True)
    format: str  # detected from content: pdf, png, jpeg, tiff, ...
    ingested_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    last_fixity: Optional[str] = None  # FixityResult
    # Indexed: resuming an interrupted fixity audit selects the files not checked since it began.
    last_fixity_at: Optional[datetime] = Field(default=None, sa_column=_ts(nullable=True, index=True))


class Page(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_page_number"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int  # 1-based, in reading order
    source_file_id: Optional[int] = Field(default=None, foreign_key="sourcefile.id")
    source_index: int = 0  # page or frame index inside the source file
    method: str  # PageMethod
    engine: Optional[str] = None
    engine_version: Optional[str] = None
    language: Optional[str] = None
    psm: Optional[int] = None
    confidence: Optional[float] = None  # 0-100 mean word confidence, OCR only
    preprocessing: str = "[]"  # JSON {"version", "steps"}: image preprocessing run before OCR
    image_sha256: Optional[str] = Field(default=None, index=True)
    width: Optional[int] = None
    height: Optional[int] = None
    dpi: Optional[float] = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    note: Optional[str] = None  # why the method was chosen, warnings
    thumbnail: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # small JPEG


class PageLayout(SQLModel, table=True):
    """A page's lines and words with their boxes (archive.store.layout), compressed: kept out of the
    page row, which lists and searches read, and read one page at a time."""

    page_id: int = Field(foreign_key="page.id", primary_key=True)
    version: int  # archive.store.layout.LAYOUT_VERSION of the encoding
    source: str  # "tesseract" | "pdf-text-layer"
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Event(SQLModel, table=True):
    """A PREMIS-style provenance event."""

    id: Optional[int] = Field(default=None, primary_key=True)
    type: str = Field(index=True)  # EventType
    time: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    agent_id: int = Field(foreign_key="agent.id")
    outcome: str  # Outcome
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    document_id: Optional[int] = Field(default=None, foreign_key="document.id", index=True)
    # Indexed: a file's fixity history, and the foreign-key check when a source file is deleted.
    source_file_id: Optional[int] = Field(default=None, foreign_key="sourcefile.id", index=True)
    page_number: Optional[int] = None
    path: Optional[str] = None  # the input path, for events with no document (failures)


class Assertion(SQLModel, table=True):
    """A claim about one metadata field of one document, with its evidence."""

    __table_args__ = (
        # The review queue: live values, lowest confidence first, read in that order by index (keyset); with the
        # agent, the queue's size is counted from the index alone.
        Index("ix_assertion_review", "superseded", "confidence", "id", "agent_id"),
        # A person's assertions, found without reading the others (the review queue's progress).
        Index("ix_assertion_agent_id", "agent_id"),
        # Whether a person already spoke about a document's field.
        Index("ix_assertion_document_field", "document_id", "field"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    field: str = Field(index=True)
    value_json: str  # JSON: a string, a list of strings (authors) or null
    normalized: Optional[str] = None
    qualifiers_json: str = "{}"  # e.g. date precision, approximate, inferred
    confidence: float = 1.0  # 0..1
    method: str  # extraction rule name, or "manual"
    page: Optional[int] = None
    span_start: Optional[int] = None  # character offsets into that page's text
    span_end: Optional[int] = None
    evidence: Optional[str] = None  # the exact text span
    # Where the span is printed on the page, where its layout is known: [x0, y0, x1, y1] in the
    # layout's unit (pixels of the page image, or a text layer's points), as JSON.
    evidence_box_json: Optional[str] = None
    agent_id: int = Field(foreign_key="agent.id")
    note: Optional[str] = None  # a person's reason
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    superseded: bool = False  # replaced by a later run of the same agent kind


class ExternalWork(SQLModel, table=True):
    """A cited work the archive does not hold, grouped across citing documents."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # normalized author|title|year
    creator_key: Optional[str] = Field(default=None, index=True)  # the key's creator part (Citation.creator_key)
    author: Optional[str] = None
    title: Optional[str] = None
    year: Optional[str] = None


class Citation(SQLModel, table=True):
    """A reference found in a document's text, resolved where the archive holds the work."""

    # The review queue of links: lowest confidence first, by index.
    __table_args__ = (Index("ix_citation_review", "confidence", "id", "target_document_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    page: Optional[int] = None
    kind: str = CitationKind.IN_TEXT.value
    raw: str = Field(sa_column=Column(Text, nullable=False))
    author: Optional[str] = None
    title: Optional[str] = None
    year: Optional[str] = None
    locator: Optional[str] = None
    note_number: Optional[str] = None
    place: Optional[str] = None
    publisher: Optional[str] = None
    span_start: Optional[int] = None
    span_end: Optional[int] = None
    entry_id: Optional[int] = Field(default=None, foreign_key="citation.id")  # joined bibliography entry
    target_document_id: Optional[int] = Field(default=None, foreign_key="document.id", index=True)
    external_work_id: Optional[int] = Field(default=None, foreign_key="externalwork.id", index=True)
    confidence: Optional[float] = None
    match_evidence: Optional[str] = None
    # Who is cited, as outside works are grouped ('kahn+sayers', a folded body's name, '' for none):
    # an outside work's key depends only on the citations of the same creator, found by this index.
    creator_key: Optional[str] = Field(default=None, index=True)


class DocumentRelation(SQLModel, table=True):
    """Two documents holding the same work: identical text or a near-duplicate (rescan)."""

    __table_args__ = (
        UniqueConstraint("document_id", "other_id", "kind", name="uq_relation"),
        Index("ix_relation_other", "other_id"),
        Index("ix_relation_review", "score", "id"),  # the review queue: weakest first
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)  # the lower id
    other_id: int = Field(foreign_key="document.id")
    kind: str  # RelationKind
    score: float
    method: str
    canonical_id: Optional[int] = Field(default=None, foreign_key="document.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Decision(SQLModel, table=True):
    """A person's decision about something the software found: a citation link, a duplicate relation or a
    field's value, accepted or rejected, with the reason and the event that records it. Decisions name what
    they are about by what survives a re-extraction or a relink (the citing document and the citation's
    text, the pair of documents, the field and its value), not by row ids, so `archive relink` and later
    ingests honour them: a rejected link is never made again, an accepted one never dropped. The newest
    decision about a thing is the one in force."""

    __table_args__ = (Index("ix_decision_subject", "subject", "document_id", "other_id"),
                      Index("ix_decision_other", "other_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    subject: str  # DecisionSubject: citation | relation | value
    document_id: int = Field(foreign_key="document.id")  # the citing document; a relation's lower id; the value's
    other_id: Optional[int] = Field(default=None, foreign_key="document.id")  # the cited document; the other copy
    citation_raw: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))  # which citation
    field: Optional[str] = None  # a value's field
    value_json: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))  # the value judged
    verdict: str  # Verdict: accepted | rejected
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    agent_id: int = Field(foreign_key="agent.id")
    event_id: Optional[int] = Field(default=None, foreign_key="event.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class DocumentKey(SQLModel, table=True):
    """A blocking key of a held document (provenance.matching.blocking): words of a creator's name or title.
    The key tables are clustered on (key, owner) (SQLite: WITHOUT ROWID), so a look-up by key reads
    one range and the rows are stored once."""

    __table_args__ = (Index("ix_documentkey_document_id", "document_id"), {"sqlite_with_rowid": False})
    key: str = Field(primary_key=True)
    document_id: int = Field(foreign_key="document.id", primary_key=True)


class CitationKey(SQLModel, table=True):
    """A blocking key of a citation: the same words of what it names, so that a new document finds the
    held citations it could be the target of."""

    __table_args__ = (Index("ix_citationkey_citation_id", "citation_id"), {"sqlite_with_rowid": False})
    key: str = Field(primary_key=True)
    citation_id: int = Field(foreign_key="citation.id", primary_key=True)


class SimilarityKey(SQLModel, table=True):
    """A near-duplicate key of a document's text (provenance.matching.similarity): a MinHash LSH band, or a
    sampled word shingle (for partial copies)."""

    __table_args__ = (Index("ix_similaritykey_document_id", "document_id"), {"sqlite_with_rowid": False})
    key: str = Field(primary_key=True)
    document_id: int = Field(foreign_key="document.id", primary_key=True)


class User(SQLModel, table=True):
    """A person who signs in to `archive serve`; edits are recorded with an Agent of the same name."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: str  # viewer | editor | admin (archive.store.accounts.ROLES)
    password_hash: str  # argon2id, encoded with its parameters and salt
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    disabled: bool = False


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, by client address and by user name (one row each): the login rate limit counts them,
    so every server process (archive serve --workers) and a restarted server see the same count."""

    __tablename__ = "login_failure"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True)  # "ip:ADDRESS" or "user:NAME"
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Job(SQLModel, table=True):
    """Background work started from the web (an ingest, a fixity audit): its state lives here, so a page
    reloaded or served by another worker sees the same progress."""

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # ingest | audit
    state: str = Field(default="queued", index=True)  # queued | running | done | failed
    user: str = ""
    stage: str = ""
    done: int = 0
    total: int = 0
    params_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    result_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    finished_at: Optional[datetime] = Field(default=None, sa_column=_ts(nullable=True))


class IngestJob(SQLModel, table=True):
    """The durable record of one input's ingest, keyed by its source SHA-256 (ingest.fixity.fingerprint):
    queued, running under an owner (a coordinating `archive ingest`) until its lease runs out, done (with
    the document, committed in the same transaction) or failed. A coordinator claims a row before its pages
    are sent anywhere, so two coordinators never OCR the same input and a restarted one redoes nothing done."""

    __tablename__ = "ingest_job"
    id: Optional[int] = Field(default=None, primary_key=True)
    fingerprint: str = Field(unique=True, index=True)
    label: str = ""
    state: str = Field(default="queued", index=True)  # queued | running | done | failed
    owner: Optional[str] = None  # host:pid:token of the coordinator holding the claim
    lease_until: Optional[datetime] = Field(default=None, sa_column=_ts(nullable=True))
    attempts: int = 0  # claims taken so far
    pages: int = 0
    document_id: Optional[int] = None
    reason: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
