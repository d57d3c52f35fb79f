"""The metadata field list has one home (archive.store.fields); every other list of fields derives from it."""

from archive.store import writes
from archive.store.fields import FIELD_LABELS, METADATA_FIELDS
from provenance.matching import samework
from provenance.metadata import FIELDS
from reports import html, pdf


def test_the_field_list():
    assert METADATA_FIELDS == ("title", "subtitle", "series", "authors", "organization", "publisher", "place", "date",
                               "date_not_before", "language")
    assert dict(FIELD_LABELS)["date_not_before"] == "Not before"


def test_every_list_of_fields_derives_from_it():
    assert writes.METADATA_FIELDS is METADATA_FIELDS
    assert FIELDS == METADATA_FIELDS
    assert html.FIELDS == list(FIELD_LABELS)
    assert pdf.FIELDS == list(FIELD_LABELS[1:])             # the title is the entry's heading
    # copies share what is printed in one place; language and date_not_before are inferred from each text
    assert samework.SHARED_FIELDS == ("title", "subtitle", "series", "authors", "organization", "publisher", "place",
                                      "date")
