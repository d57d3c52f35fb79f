"""The facet links of the catalogue and search pages (archive.web.views.facet_links): each exactly the query string
of the page with that value as an exact filter."""

from __future__ import annotations

import random

from archive.web import views


def test_facet_links_are_the_query_strings_of_their_filters():
    """views.facet_links encodes the other parameters once per facet: each link must still be exactly the query
    string of the page with that value as an exact filter (order, encoding, empty parameters dropped)."""
    rng = random.Random(7)
    names = ["organization", "publisher", "place"]
    for _ in range(500):
        params = {"organization": rng.choice([None, "", "A&B", "x y"]), "publisher": rng.choice([None, "P+Q", "é"]),
                  "place": rng.choice([None, "London"]), "date_from": rng.choice([None, "1970"]), "date_to": None,
                  "exact": rng.sample(names, rng.randint(0, 3)), "page": rng.choice([None, 2]),
                  **rng.choice([{"q": "a b"}, {"sort": "date", "desc": rng.choice([True, False])}, {}])}
        name = rng.choice(names)
        values = [[v, 3] for v in rng.sample(["v 1", "a&b=c", "", "ü/ß", "<b>", "x#y"], 3)]
        exact = [e for e in params["exact"] if e != name] + [name]
        assert views.facet_links(params, name, values) == [
            (v, n, views.query_string(params, page=None, exact=exact, **{name: v})) for v, n in values]
