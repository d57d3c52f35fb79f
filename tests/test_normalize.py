from ingest.normalize import normalize_document, normalize_page, text_sha256


def test_nfc_ligatures_quotes_and_whitespace():
    decomposed = "Cafe\u0301  \u201cthe \ufb01rst\u201d\tbranch\u2019s\n\nlibrary"
    assert normalize_page(decomposed) == "Café \"the first\" branch's library"


def test_hyphenated_words_are_rejoined_only_before_lower_case():
    assert normalize_page("the organi-\nzation met") == "the organization met"
    assert normalize_page("the Anti-\nFascist League") == "the Anti- Fascist League"


def test_page_number_lines_dropped_only_at_page_edges():
    page = "Title line\nbody text\n\n1917\n\nmore body\nand more\n\n- 12 -"
    out = normalize_page(page)
    assert "12" not in out
    assert "1917" in out  # a number inside the body is text, not a page number


def test_document_hash_same_text_same_hash_whatever_the_layout():
    a = normalize_document(["One two\nthree", "2\nfour five"])
    b = normalize_document(["One   two three\n", "four\nfive\n\n2"])
    assert a == b == "One two three four five"
    assert text_sha256(a) == text_sha256(b)
    assert text_sha256(a) != text_sha256(a + ".")
