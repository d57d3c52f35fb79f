"""Resolution and similarity: which held document a citation names, and which documents are copies of one work.

- ``resolve``: one citation against candidate documents (author or body plus title or year, fuzzy
  for OCR; conflicts, self-citations and newer candidates rejected), and keys for outside works.
- ``blocking``: the index keys that find a citation's candidates without comparing everything.
- ``linking``: archive-wide, incremental citation linking through those keys (writes links and events).
- ``similarity``: MinHash signatures over word shingles, near-duplicate and partial-copy scores.
- ``duplicates``: rescans and near-duplicates found by index (writes document relations).
- ``samework``: copies of one work share what only one of them states (writes low-confidence assertions).
"""
