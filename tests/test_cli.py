"""The `archive` command end to end on the project's sample: ingest, re-ingest, verify, search, export."""

from __future__ import annotations

import json

import pytest

from testkit.textmetrics import error_rates

pytestmark = pytest.mark.tesseract


def _inputs(sample):
    return [str(sample / "leaflet-scan"), str(sample / "bulletin.pdf")]


def ingest_json(run_cli, db_url, *paths, extra=()):
    r = run_cli(db_url, "ingest", "--json", *extra, *paths)
    assert r.stdout.startswith("{"), (r.exit_code, r.output)
    return r, json.loads(r.stdout)


def test_ingest_summary_reingest_is_a_recorded_noop(run_cli, db_url, sample_copy):
    r, out = ingest_json(run_cli, db_url, *_inputs(sample_copy))
    assert r.exit_code == 0, r.output
    assert sorted(len(i["paths"]) for i in out["ingested"]) == [1, 2]
    assert out["failed"] == [] and out["skipped"] == []
    # The same files again: nothing new, each input reported as already held, still exit 0.
    r2, again = ingest_json(run_cli, db_url, *_inputs(sample_copy))
    assert r2.exit_code == 0
    assert again["ingested"] == []
    assert sorted(s["reason"] for s in again["skipped"]) == sorted(
        f"already in the archive as document {i['document']}" for i in out["ingested"])
    listed = json.loads(run_cli(db_url, "list", "--json").stdout)
    assert len(listed) == 2
    history = json.loads(run_cli(db_url, "history", str(out["ingested"][0]["document"]), "--json").stdout)
    assert any(e["type"] == "ingestion" and e["detail"].startswith("no-op") for e in history)
    times = [e["time"] for e in history]
    assert times == sorted(times) and all(t.endswith("+00:00") for t in times)


def test_failed_input_is_recorded_and_the_rest_committed(run_cli, db_url, sample_copy):
    bad = sample_copy / "broken.pdf"
    bad.write_text("this is not a PDF")
    r, out = ingest_json(run_cli, db_url, str(bad), str(sample_copy / "bulletin.pdf"))
    assert r.exit_code == 1
    assert [f["path"] for f in out["failed"]] == [str(bad)]
    assert "not a PDF" in out["failed"][0]["reason"]
    assert len(out["ingested"]) == 1
    assert len(json.loads(run_cli(db_url, "list", "--json").stdout)) == 1


def test_verify_catches_modified_and_missing_files(run_cli, db_url, sample_copy):
    r, _ = ingest_json(run_cli, db_url, *_inputs(sample_copy))
    ok = run_cli(db_url, "verify", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] == 3
    (sample_copy / "bulletin.pdf").write_bytes((sample_copy / "bulletin.pdf").read_bytes() + b"%tampered\n")
    (sample_copy / "leaflet-scan" / "page-002.jpg").unlink()
    bad = run_cli(db_url, "verify", "--json")
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert [m["path"] for m in report["modified"]] == [str(sample_copy / "bulletin.pdf")]
    assert [m["path"] for m in report["missing"]] == [str(sample_copy / "leaflet-scan" / "page-002.jpg")]
    assert "bulletin.pdf" in bad.stderr and "page-002.jpg" in bad.stderr
    doc = report["modified"][0]["document"]
    history = json.loads(run_cli(db_url, "history", str(doc), "--json").stdout)
    checks = [e for e in history if e["type"] == "fixity check"]
    assert [c["outcome"] for c in checks] == ["success", "failure"]


def test_text_layer_and_ocr_match_ground_truth_and_search_finds_the_page(run_cli, db_url, sample_copy):
    r, out = ingest_json(run_cli, db_url, *_inputs(sample_copy))
    docs = {len(i["paths"]): i["document"] for i in out["ingested"]}
    for n_files, gt_name in ((1, "bulletin"), (2, "leaflet-scan")):
        shown = json.loads(run_cli(db_url, "show", str(docs[n_files]), "--json").stdout)
        truth = [p.read_text() for p in sorted((sample_copy / "ground_truth" / gt_name).glob("page-*.txt"))]
        cer, _ = error_rates([p["text"] for p in shown["pages"]], truth)
        if n_files == 1:
            assert {p["method"] for p in shown["pages"]} == {"text-layer"} and cer == 0
        else:
            assert {p["method"] for p in shown["pages"]} == {"ocr"} and cer < 0.01
    hits = json.loads(run_cli(db_url, "search", '"papers of the last secretary"', "--json").stdout)
    assert [(h["document"], h["page"]) for h in hits] == [(docs[1], 2)]


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "col:umn*", "(((", "NEAR(", "'; DROP TABLE page; --"])
def test_search_with_syntax_characters_never_crashes(run_cli, db_url, query):
    r = run_cli(db_url, "search", query, "--json")
    assert r.exit_code in (0, 2), r.output
    if r.exit_code == 2:
        assert r.stderr.startswith("archive: error:") and len(r.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2_with_one_line(run_cli, db_url):
    r = run_cli(db_url, "show", "999")
    assert r.exit_code == 2
    assert r.stderr.strip() == "archive: error: no document 999 in this archive (see `archive list`)"
    assert run_cli(db_url, "ingest").exit_code == 2
    assert run_cli(db_url, "list", "--from", "last year").exit_code == 2


def test_one_job_and_two_jobs_give_the_same_text(run_cli, tmp_path, sample_dir):
    hashes = []
    for jobs in ("1", "2"):
        url = f"sqlite:///{tmp_path / f'j{jobs}.db'}"
        r, out = ingest_json(run_cli, url, *_inputs(sample_dir), extra=("--jobs", jobs))
        assert r.exit_code == 0
        exported = json.loads(run_cli(url, "export").stdout)["documents"]
        hashes.append(sorted((d["text_sha256"], tuple(p["text"] for p in d["pages"])) for d in exported))
    assert hashes[0] == hashes[1]


def test_database_url_from_environment(monkeypatch, tmp_path, sample_dir):
    from click.testing import CliRunner

    from archive.cli import cli
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("ARCHIVE_DB", url)
    r = CliRunner().invoke(cli, ["ingest", "--json", str(sample_dir / "bulletin.pdf")])
    assert r.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_export_to_file(run_cli, db_url, sample_dir, tmp_path):
    ingest_json(run_cli, db_url, str(sample_dir / "bulletin.pdf"))
    out = tmp_path / "export.json"
    assert run_cli(db_url, "export", "--format", "json", "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    assert len(data["documents"]) == 1 and data["documents"][0]["page_count"] == 2
