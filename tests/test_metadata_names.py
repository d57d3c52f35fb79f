"""Bodies named by a short form ("the Circle", "the Society") taken to the full name the document gives."""

from __future__ import annotations

from provenance.metadata import extract_metadata

TEXT = """Walks on the Moor
A Guide for New Members

The Wharfedale Ramblers' Circle was founded in 1931 by a group of mill workers who walked the moors
on Sundays. Members meet at the bridge on the first Sunday of the month.

Published by the Circle, Otley, 1974.
"""


def fields(text: str) -> dict:
    return {f.field: f for f in extract_metadata([text])}


def test_short_form_in_the_imprint_is_the_body_the_text_names_in_full():
    f = fields(TEXT)
    assert f["publisher"].value == "Wharfedale Ramblers' Circle"
    assert f["organization"].value == "Wharfedale Ramblers' Circle"
    # the evidence is what is printed in the imprint, and the value says it was named so
    assert f["publisher"].evidence.text == "Circle" and f["publisher"].qualifiers["named_as"] == "Circle"


def test_two_bodies_with_that_head_noun_leave_the_short_form_unread():
    text = TEXT.replace("by a group of mill", "with the Otley Cycling Circle, a group of mill")
    f = fields(text)
    assert "publisher" not in f or f["publisher"].value != "Wharfedale Ramblers' Circle"
    assert "publisher" not in f


def test_masthead_spells_out_the_short_form_of_the_imprint():
    f = fields("THE CLARION CALL\nNewsletter of the Wharfedale Ramblers' Circle\n"
               "Number Twelve - The Twelfth of May, Nineteen Seventy-Four\n\n"
               "The footpath over the moor from the station to the tarn has been closed again by the\n"
               "new owner of the grouse shooting, and the committee has written to the council.\n\n"
               "Printed and published by the Circle, 14 Brook Street, Otley\n")
    assert f["publisher"].value == "Wharfedale Ramblers' Circle"
    assert f["date"].value == "1974-05-12" and f["date"].method == "masthead"
    assert f["title"].value == "THE CLARION CALL"


def test_printed_for_a_body_by_a_printer_the_body_is_the_publisher():
    f = fields("Songs of the Road\nA Song Sheet for Hikers\nCompiled by Tom Ackroyd\n\n"
               "The Keighley Hiking Club sings these songs on its walks and at the hut on winter evenings.\n\n"
               "Printed for the Club by the Valley Press, Keighley, March the 3rd, 1971\n")
    assert f["publisher"].value == "Keighley Hiking Club" and f["publisher"].qualifiers["named_as"] == "Club"
    assert f["date"].value == "1971-03-03" and f["authors"].value == ["Tom Ackroyd"]
