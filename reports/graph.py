"""The citation graph of a catalogue: nodes and edges, a force-directed layout (numpy), and an SVG picture."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from lxml import etree

from reports.data import Catalog
from reports.safety import clean_text

SVG_NS = "http://www.w3.org/2000/svg"
LABEL_LIMIT = 80  # above this many nodes, labels are the document numbers only (titles in tooltips)


@dataclass(frozen=True)
class Node:
    key: str  # "d12" for a held document, "w5" for an external work
    label: str  # short text drawn beside the node
    title: str  # the full name, shown as a tooltip
    kind: str  # document | work
    href: Optional[str]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    count: int  # how many citations this arrow stands for


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    unlinked: int  # documents of the catalogue with no drawn link


def _short(text: str, limit: int = 32) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_graph(catalog: Catalog, doc_href: Callable[[int], str], work_href: Callable[[int], str]) -> Graph:
    """Documents of the catalogue that cite or are cited by one another, and external works cited by
    two or more of them (a work cited once adds a leaf that says nothing about the collection)."""
    counts: dict[tuple[str, str], int] = {}
    work_citers: dict[int, set[int]] = {}
    for r in catalog.documents:
        for c in r.citations:
            if c.target_document_id is not None and c.target_document_id != r.id \
                    and c.target_document_id in catalog.by_id:
                key = (f"d{r.id}", f"d{c.target_document_id}")
                counts[key] = counts.get(key, 0) + 1
            elif c.external_work_id is not None and c.external_work_id in catalog.external_works:
                work_citers.setdefault(c.external_work_id, set()).add(r.id)
                key = (f"d{r.id}", f"w{c.external_work_id}")
                counts[key] = counts.get(key, 0) + 1
    shared_works = {w for w, citers in work_citers.items() if len(citers) >= 2}
    edges = [Edge(s, t, n) for (s, t), n in sorted(counts.items())
             if t.startswith("d") or int(t[1:]) in shared_works]
    used = {e.source for e in edges} | {e.target for e in edges}
    nodes = []
    for r in catalog.documents:
        if f"d{r.id}" in used:
            nodes.append(Node(f"d{r.id}", f"{r.id}. {_short(r.display_title)}", f"Document {r.id}: {r.display_title}",
                              "document", doc_href(r.id)))
    for w_id in sorted(shared_works):
        w = catalog.external_works[w_id]
        name = ", ".join(x for x in (w.author, w.title, w.year) if x) or f"work {w_id}"
        nodes.append(Node(f"w{w_id}", _short(name), f"Not held: {name}", "work", work_href(w_id)))
    unlinked = sum(1 for r in catalog.documents if f"d{r.id}" not in used)
    return Graph(nodes, edges, unlinked)


def layout(n: int, edges: list[tuple[int, int]], *, iterations: Optional[int] = None) -> np.ndarray:
    """Fruchterman-Reingold positions in the unit square for `n` nodes, deterministic, with a pull to
    the centre so that separate components stay in one picture. O(n^2) per step, vectorised."""
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.array([[0.5, 0.5]])
    # Start on a sunflower spiral (deterministic, evenly spread) rather than at random.
    i = np.arange(n) + 0.5
    golden = math.pi * (3 - math.sqrt(5))
    pos = np.column_stack((np.sqrt(i / n) * np.cos(i * golden), np.sqrt(i / n) * np.sin(i * golden)))
    k = math.sqrt(1.0 / n)  # ideal distance between nodes
    src = np.array([a for a, _ in edges], dtype=int)
    dst = np.array([b for _, b in edges], dtype=int)
    steps = iterations or (120 if n <= 300 else 50)
    temperature = 0.1
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    k2 = k * k
    for step in range(steps):
        # Repulsion k^2/d along each axis, computed on (n, n) arrays of x and y separately: the
        # cheapest form numpy offers (about ten passes over n^2 numbers per step).
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        inv = dx * dx
        inv += dy * dy
        inv += 1e-9
        np.divide(k2, inv, out=inv)
        np.fill_diagonal(inv, 0.0)
        fx = (dx * inv).sum(axis=1)
        fy = (dy * inv).sum(axis=1)
        if len(src):
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            length = np.sqrt(ex * ex + ey * ey) / k  # attraction d^2/k along the edge
            np.add.at(fx, src, -ex * length)
            np.add.at(fy, src, -ey * length)
            np.add.at(fx, dst, ex * length)
            np.add.at(fy, dst, ey * length)
        fx -= x * (2.0 * k)  # gravity towards the centre
        fy -= y * (2.0 * k)
        size = np.sqrt(fx * fx + fy * fy) + 1e-9
        step_len = np.minimum(size, temperature) / size
        x += fx * step_len
        y += fy * step_len
        temperature = 0.1 * (1 - (step + 1) / steps) + 0.002
    pos = np.column_stack((x, y))
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    return (pos - lo) / span


def svg(graph: Graph) -> etree._Element:
    """The graph as an SVG element (lxml builds it, so every label is escaped)."""
    n = len(graph.nodes)
    index = {node.key: i for i, node in enumerate(graph.nodes)}
    pos = layout(n, [(index[e.source], index[e.target]) for e in graph.edges])
    side = int(max(480, min(4000, 170 * math.sqrt(max(n, 1)))))
    margin = 40
    labels = n <= LABEL_LIMIT
    right = 190 if labels else margin  # room for the labels of nodes at the right edge
    width, height = side + margin + right, side + 2 * margin
    root = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS}, viewBox=f"0 0 {width} {height}",
                         width=str(width), height=str(height), role="img", **{"class": "citation-graph"})
    etree.SubElement(root, f"{{{SVG_NS}}}title").text = f"Citation graph: {n} nodes, {len(graph.edges)} links"
    defs = etree.SubElement(root, f"{{{SVG_NS}}}defs")
    marker = etree.SubElement(defs, f"{{{SVG_NS}}}marker", id="arrow", viewBox="0 0 10 10", refX="10", refY="5",
                              markerWidth="7", markerHeight="7", orient="auto-start-reverse")
    etree.SubElement(marker, f"{{{SVG_NS}}}path", d="M 0 0 L 10 5 L 0 10 z", fill="#6b5e4f")
    xy = [(margin + float(p[0]) * side, margin + float(p[1]) * side) for p in pos]
    radius = {node.key: (7.0 if node.kind == "document" else 5.0) for node in graph.nodes}
    edges_g = etree.SubElement(root, f"{{{SVG_NS}}}g", **{"class": "edges"})
    for e in graph.edges:
        (x1, y1), (x2, y2) = xy[index[e.source]], xy[index[e.target]]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        # Stop the line at the target's rim so that the arrowhead stays visible.
        trim = radius[e.target] + 1.5
        x2, y2 = x2 - (x2 - x1) * trim / length, y2 - (y2 - y1) * trim / length
        line = etree.SubElement(edges_g, f"{{{SVG_NS}}}line", x1=f"{x1:.1f}", y1=f"{y1:.1f}", x2=f"{x2:.1f}",
                                y2=f"{y2:.1f}", **{"marker-end": "url(#arrow)", "stroke-width":
                                                   f"{min(1 + math.log2(e.count), 4):.1f}",
                                                   "class": "edge" + (" to-work" if e.target[0] == "w" else "")})
        etree.SubElement(line, f"{{{SVG_NS}}}title").text = \
            f"{e.source[1:]} cites {e.target[1:]}" + (f" ({e.count} times)" if e.count > 1 else "")
    nodes_g = etree.SubElement(root, f"{{{SVG_NS}}}g", **{"class": "nodes"})
    for node, (x, y) in zip(graph.nodes, xy):
        parent = nodes_g
        if node.href:
            parent = etree.SubElement(nodes_g, f"{{{SVG_NS}}}a", href=node.href)
        group = etree.SubElement(parent, f"{{{SVG_NS}}}g", **{"class": f"node {node.kind}"})
        etree.SubElement(group, f"{{{SVG_NS}}}title").text = clean_text(node.title)
        if node.kind == "document":
            etree.SubElement(group, f"{{{SVG_NS}}}circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r=str(radius[node.key]))
        else:
            r = radius[node.key]
            etree.SubElement(group, f"{{{SVG_NS}}}rect", x=f"{x - r:.1f}", y=f"{y - r:.1f}", width=str(2 * r),
                             height=str(2 * r))
        text = etree.SubElement(group, f"{{{SVG_NS}}}text", x=f"{x + 10:.1f}", y=f"{y + 4:.1f}")
        text.text = clean_text(node.label if labels else (node.key[1:] if node.kind == "document" else ""))
    return root


def svg_text(graph: Graph) -> str:
    return etree.tostring(svg(graph), encoding="unicode")
