from ingest.ocr import parse_tsv

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def row(block, par, line, word, conf, text):
    return f"5\t1\t{block}\t{par}\t{line}\t{word}\t0\t0\t10\t10\t{conf}\t{text}"


def test_tsv_rebuilds_lines_paragraphs_and_mean_confidence():
    tsv = "\n".join([
        HEADER,
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
        row(1, 1, 1, 1, 90, "Workers"), row(1, 1, 1, 2, 80, "of"),
        row(1, 1, 2, 1, 70, "the"), row(1, 1, 2, 2, 60, "world"),
        row(2, 1, 1, 1, 100, "Unite"), row(2, 1, 1, 2, -1, " "),
    ])
    out = parse_tsv(tsv)
    assert out.text == "Workers of\nthe world\n\nUnite"
    assert out.confidence == 80.0
    assert out.words == 5


def test_empty_tsv_has_no_confidence():
    out = parse_tsv(HEADER + "\n")
    assert out.text == "" and out.confidence is None and out.words == 0
