"""The citation graph as GraphML, Graphviz DOT or JSON text."""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

# Characters XML 1.0 forbids (OCR text can hold form feeds and other controls).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    return _escape(_INVALID_XML.sub("", text))


def quoteattr(text: str) -> str:
    return _quoteattr(_INVALID_XML.sub("", text))


def to_json(graph: dict) -> str:
    return json.dumps(graph, indent=2, ensure_ascii=False)


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(graph: dict) -> str:
    lines = ["digraph citations {", "  rankdir=LR;", "  node [shape=box, fontname=\"serif\"];"]
    for n in graph["nodes"]:
        shape = ", style=dashed" if n["kind"] == "external-work" else ""
        lines.append(f"  {_dot_id(n['id'])} [label={_dot_id(n['label'] or n['id'])}{shape}];")
    for e in graph["edges"]:
        lines.append(f"  {_dot_id(e['source'])} -> {_dot_id(e['target'])} [weight={e['citations']}, "
                     f"label=\"{e['citations']}\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graphml(graph: dict) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
           '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
           '  <key id="kind" for="node" attr.name="kind" attr.type="string"/>',
           '  <key id="date" for="node" attr.name="date" attr.type="string"/>',
           '  <key id="citations" for="edge" attr.name="citations" attr.type="int"/>',
           '  <graph id="citations" edgedefault="directed">']
    for n in graph["nodes"]:
        out.append(f"    <node id={quoteattr(n['id'])}>")
        out.append(f"      <data key=\"label\">{escape(n['label'] or '')}</data>")
        out.append(f"      <data key=\"kind\">{escape(n['kind'])}</data>")
        if n.get("date"):
            out.append(f"      <data key=\"date\">{escape(n['date'])}</data>")
        out.append("    </node>")
    for i, e in enumerate(graph["edges"]):
        out.append(f"    <edge id=\"e{i}\" source={quoteattr(e['source'])} target={quoteattr(e['target'])}>"
                   f"<data key=\"citations\">{e['citations']}</data></edge>")
    out += ["  </graph>", "</graphml>"]
    return "\n".join(out) + "\n"


WRITERS = {"json": to_json, "dot": to_dot, "graphml": to_graphml}
