"""The review queue and people's decisions in `archive serve`: who may decide (session, CSRF token, role),
hostile values kept inert, the queue read lowest confidence first in keyset pages, a stale decision refused,
and decisions that outlive `archive relink --all`, a re-extraction and later ingests (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from archive.store.db import session_scope
from archive.store.models import Citation, Decision, Document, DocumentRelation
from archive.web.app import create_app
from ingest.pipeline import IngestOptions, ingest
from provenance.pipeline import undescribed, update
from sample.archive_gen import ArchiveGenerator, generate
from tests.helpers.web import add_users, collection_site, signed_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def site(engine):
    return collection_site(engine)


def _routes(ids: dict, client: TestClient) -> list[tuple[str, str, dict]]:
    """Every state-changing route this module adds: (kind, url, body), as forms and as the API."""
    doc = ids["described"]
    value = client.get("/api/review", params={"kind": "values"}).json()["items"][0]
    link = next(c for c in client.get("/api/review", params={"kind": "links"}).json()["items"] if c["document"] == doc)
    rel = client.get("/api/review", params={"kind": "duplicates"}).json()["items"][0]
    vbody = {"verdict": "rejected", "reason": "wrong", "version": value["version"]}
    lbody = {"verdict": "rejected", "reason": "wrong", "target": link["target"], "version": 0}
    rbody = {"verdict": "rejected", "reason": "wrong", "version": 0}
    return [
        ("form", f"/documents/{doc}/citations/{link['id']}/decision", lbody),
        ("form", f"/review/values/{value['id']}", vbody),
        ("form", f"/documents/{rel['document']}/relations/{rel['id']}/decision", rbody),
        ("json", f"/api/documents/{doc}/citations/{link['id']}/decision", lbody),
        ("json", f"/api/values/{value['id']}/decision", vbody),
        ("json", f"/api/documents/{rel['document']}/relations/{rel['id']}/decision", rbody),
    ]


def _post(client: TestClient, kind: str, url: str, body: dict, csrf: str | None):
    if kind == "form":
        return client.post(url, data=body | ({"csrf": csrf} if csrf else {}), follow_redirects=False)
    return client.post(url, json=body, headers={"X-CSRF-Token": csrf} if csrf else {}, follow_redirects=False)


def test_every_decision_route_refuses_without_session_token_or_role(site, engine):
    app, ids = site
    viewer, vcsrf = signed_in(app, "vera")
    editor, ecsrf = signed_in(app, "eddie")
    routes = _routes(ids, viewer)
    anon = TestClient(app)
    for kind, url, body in routes:
        r = _post(anon, kind, url, body, None)
        assert (r.status_code, r.headers.get("location")) in ((401, None), (303, "/login")), (url, r.status_code)
        assert _post(viewer, kind, url, body, vcsrf).status_code == 403, url         # a viewer
        assert _post(editor, kind, url, body, None).status_code == 403, url           # no token
        assert _post(editor, kind, url, body, "forged").status_code == 403, url       # a wrong one
        assert _post(editor, kind, url, body, vcsrf).status_code == 403, url          # another session's
    with Session(engine) as s:
        assert s.exec(select(Decision)).all() == []
    # The editor with the token may: the forms decide, then the same decisions through the API are stale.
    codes = [_post(editor, kind, url, body, ecsrf).status_code for kind, url, body in routes]
    assert codes == [303, 303, 303, 409, 409, 404], codes  # decided: stale, stale, relation gone


def test_hostile_values_stay_inert_in_the_queue_and_the_decisions(site):
    app, ids = site
    editor, csrf = signed_in(app, "eddie")
    link = next(c for c in editor.get("/api/review", params={"kind": "links"}).json()["items"]
                if c["document"] == ids["hostile"])
    r = editor.post(f"/api/documents/{ids['hostile']}/citations/{link['id']}/decision", headers={"X-CSRF-Token": csrf},
                    json={"verdict": "rejected", "reason": "<script>alert(9)</script>", "target": link["target"],
                          "version": 0})
    assert r.status_code == 200, r.text
    for path in ("/review?kind=values", "/review?kind=links", f"/documents/{ids['hostile']}",
                 f"/documents/{ids['described']}"):
        html = editor.get(path).text
        assert "<script>alert" not in html and "<script>cite" not in html and "<img src=x" not in html, path
    html = editor.get(f"/documents/{ids['hostile']}").text
    assert "&lt;script&gt;alert(9)&lt;/script&gt;" in html  # the reason, shown escaped in the history


def test_queue_lowest_confidence_first_in_keyset_pages(site):
    app, _ = site
    client, _ = signed_in(app, "vera")
    seen, after = [], None
    while True:
        page = client.get("/api/review", params={"kind": "values", "limit": 2, **({"after": after} if after else {})})
        data = page.json()
        seen += data["items"]
        after = data["next"]
        if not after:
            break
    keys = [(v["confidence"], v["id"]) for v in seen]
    assert keys == sorted(keys) and len(set(keys)) == len(keys) == data["progress"]["values"]["remaining"]
    # The person's organization is not in the queue; the superseded date is not either.
    assert not any(v["field"] == "organization" and v["document"] == seen[0]["document"] for v in seen)
    assert client.get("/api/review", params={"kind": "values", "after": "x"}).status_code == 400
    assert client.get("/review?kind=links").status_code == 200


def test_accepting_a_value_makes_it_the_persons_and_a_stale_decision_is_refused(site):
    app, ids = site
    a, acsrf = signed_in(app, "eddie")
    b, bcsrf = signed_in(app, "ada")
    before = a.get("/api/review", params={"kind": "values"}).json()
    item = next(v for v in before["items"] if v["field"] == "publisher")
    body = {"verdict": "accepted", "reason": "the imprint says so", "version": item["version"]}
    r = a.post(f"/api/values/{item['id']}/decision", json=body, headers={"X-CSRF-Token": acsrf})
    assert r.status_code == 200, r.text
    # The colleague who opened the same queue is told.
    r = b.post(f"/api/values/{item['id']}/decision", json=body | {"verdict": "rejected"},
               headers={"X-CSRF-Token": bcsrf})
    assert r.status_code == 409 and r.json()["current"] == "Pioneer Publishers"
    shown = a.get(f"/api/documents/{item['document']}").json()
    claim = shown["metadata_provenance"]["publisher"][-1]
    assert (claim["agent"], claim["agent_kind"], claim["method"], claim["note"]) == \
        ("eddie", "person", "confirmed", "the imprint says so")
    assert any(e["agent"] == "eddie" and e["detail"].startswith("accepted by eddie: publisher")
               for e in shown["events"])
    after = a.get("/api/review", params={"kind": "values"}).json()
    assert after["progress"]["values"]["reviewed"] == 1
    assert not any(v["field"] == "publisher" and v["document"] == item["document"] for v in after["items"])
    # Rejecting needs a reason.
    other = after["items"][0]
    r = a.post(f"/api/values/{other['id']}/decision", json={"verdict": "rejected", "reason": " ",
                                                            "version": other["version"]},
               headers={"X-CSRF-Token": acsrf})
    assert r.status_code == 400 and "reason" in r.json()["detail"]


# --- decisions outlive relinking and re-extraction, on a generated archive ingested for real -----------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    generate(out, 40, seed=5, generator=ArchiveGenerator(5, rescans=0.15))
    return out


def _links(engine) -> set[tuple[int, str, int]]:
    with Session(engine) as s:
        return {(c.document_id, c.raw, c.target_document_id) for c in s.exec(
            select(Citation).where(col(Citation.target_document_id).is_not(None)))}


def _pairs(engine) -> set[tuple[int, int]]:
    with Session(engine) as s:
        return {(r.document_id, r.other_id) for r in s.exec(select(DocumentRelation))}


def test_decisions_survive_relink_all_reextraction_and_later_ingests(generated, engine, db_url, run_cli):
    files = sorted(generated.glob("*.pdf"))
    first, later = files[:32], files[32:]
    assert not ingest(engine, [str(p) for p in first], IngestOptions(jobs=1)).failed
    update(engine, undescribed(engine))
    add_users(engine)
    app = create_app(engine, secret="s")
    client, csrf = signed_in(app, "eddie")
    h = {"X-CSRF-Token": csrf}
    links = client.get("/api/review", params={"kind": "links", "limit": 200}).json()["items"]
    rels = client.get("/api/review", params={"kind": "duplicates"}).json()["items"]
    assert len(links) >= 6 and rels, (len(links), rels)
    rejected, accepted = links[0], next(x for x in links[1:] if x["document"] != links[0]["document"])
    r = client.post(f"/api/documents/{rejected['document']}/citations/{rejected['id']}/decision", headers=h,
                    json={"verdict": "rejected", "reason": "cites another edition", "target": rejected["target"],
                          "version": 0})
    assert r.status_code == 200 and r.json()["target"] != rejected["target"], r.text
    r = client.post(f"/api/documents/{accepted['document']}/citations/{accepted['id']}/decision", headers=h,
                    json={"verdict": "accepted", "reason": "checked the copy", "target": accepted["target"],
                          "version": 0})
    assert r.status_code == 200 and r.json()["target"] == accepted["target"], r.text
    rel = rels[0]
    r = client.post(f"/api/documents/{rel['document']}/relations/{rel['id']}/decision", headers=h,
                    json={"verdict": "rejected", "reason": "two different issues", "version": 0})
    assert r.status_code == 200, r.text
    pair = (rel["document"], rel["other"])
    value = next(v for v in client.get("/api/review", params={"kind": "values", "limit": 200}).json()["items"]
                 if v["field"] == "publisher")
    r = client.post(f"/api/values/{value['id']}/decision", headers=h,
                    json={"verdict": "rejected", "reason": "that is the printer", "version": value["version"]})
    assert r.status_code == 200, r.text

    def holds():
        now = _links(engine)
        assert (rejected["document"], rejected["raw"], rejected["target"]) not in now
        assert (accepted["document"], accepted["raw"], accepted["target"]) in now
        assert pair not in _pairs(engine)
        with Session(engine) as s:
            assert s.get(Document, value["document"]).publisher != value["value"]

    holds()
    # The accepted link's target now reads as another work to the resolver: the person's decision still holds.
    assert run_cli(db_url, "set", str(accepted["target"]), "title", "Quite Another Title Entirely",
                   "--by", "tester", "--note", "to move the scorer").exit_code == 0
    assert run_cli(db_url, "relink", "--all").exit_code == 0
    holds()
    assert run_cli(db_url, "extract", str(rejected["document"]), str(value["document"]), str(accepted["document"])
                   ).exit_code == 0
    holds()
    assert not ingest(engine, [str(p) for p in later], IngestOptions(jobs=1)).failed
    update(engine, undescribed(engine))
    holds()
    assert run_cli(db_url, "relink", "--all", "--exhaustive").exit_code == 0
    holds()
    # Each decision is in the document's history, by the person.
    history = client.get(f"/api/documents/{rejected['document']}").json()["events"]
    assert any(e["agent"] == "eddie" and "cites another edition" in e["detail"] for e in history)
    for d in pair:
        history = client.get(f"/api/documents/{d}").json()["events"]
        assert any(e["agent"] == "eddie" and "two different issues" in e["detail"] for e in history)
    page = client.get(f"/documents/{rejected['document']}").text
    assert "rejected by eddie: cites another edition" in page
    page = client.get(f"/documents/{value['document']}").text
    assert "rejected by eddie: that is the printer" in page.split('id="field-publisher"')[1].split('id="field-')[0]
    # The progress counts (from the indexes and the decisions) are the queues' real sizes.
    for kind in ("values", "links", "duplicates"):
        items, after = [], None
        while True:
            data = client.get("/api/review", params={"kind": kind, "limit": 200, **({"after": after} if after else {})}
                              ).json()
            items += data["items"]
            if not (after := data["next"]):
                break
        assert data["progress"][kind]["remaining"] == len(items), kind
    assert data["progress"]["values"]["reviewed"] == 1 and data["progress"]["links"]["reviewed"] == 2


def test_queue_pages_and_counts_agree_with_every_value_checked_one_by_one(engine, db_url):
    """Past many decided values (more than a walk's batch) the pages still hold the next open values in
    order, and the progress counts are the queues' sizes, on an archive of 300 documents."""
    import json as _json

    from archive.store import reads
    from archive.store.models import Agent, Assertion
    from bench.review_bench import build
    build(db_url, 300)
    with session_scope(engine) as s:
        person = s.exec(select(Agent).where(Agent.kind == "person")).first()
        lowest = s.exec(select(Assertion).where(Assertion.superseded == False)  # noqa: E712
                        .order_by(Assertion.confidence, Assertion.id).limit(500)).all()
        for a in lowest[:450:2]:   # every other one of the lowest 450 judged, and a field a person set
            s.add(Decision(subject="value", document_id=a.document_id, field=a.field, value_json=a.value_json,
                           verdict="rejected", reason="t", agent_id=person.id))
        s.add(Assertion(document_id=lowest[1].document_id, field=lowest[1].field, value_json=_json.dumps("x"),
                        method="manual", agent_id=person.id))
    with Session(engine) as s:
        spoken = {(a.document_id, a.field) for a in s.exec(select(Assertion).where(Assertion.agent_id == person.id))}
        made = s.exec(select(Decision)).all()   # "reviewed" counts decisions made, one value may have two
        judged = {(d.document_id, d.field, d.value_json) for d in made}
        assert len(judged) >= 225
        expected = [a.id for a in s.exec(select(Assertion).where(Assertion.superseded == False)  # noqa: E712
                                         .order_by(Assertion.confidence, Assertion.id))
                    if a.agent_id != person.id and (a.document_id, a.field) not in spoken
                    and (a.document_id, a.field, a.value_json) not in judged]
        got, after = [], None
        while True:
            page = reads.review_queue(s, "values", after=after, limit=50, progress=after is None)
            if after is None:
                assert page["progress"]["values"] == {"reviewed": len(made), "remaining": len(expected)}
            got += [v["id"] for v in page["items"]]
            if not (after := page["next"]):
                break
    assert got == expected
