#!/usr/bin/env bash
# The main job on the project's own sample: generate it, ingest it into the embedded SQLite
# database (./archive.db), and write the catalogue (out/catalog/) and the JSON export (out/export.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
A=.venv/bin/archive
.venv/bin/python -m sample.make sample/generated >/dev/null
$A --db sqlite:///archive.db ingest sample/generated/leaflet-scan sample/generated/bulletin.pdf
$A --db sqlite:///archive.db verify   # a first fixity audit, so the catalogue shows each file's result
mkdir -p out
$A --db sqlite:///archive.db export --format json -o out/export.json
if $A report --help >/dev/null 2>&1; then
  $A --db sqlite:///archive.db report --format all -o out/catalog
  echo "catalogue: $(pwd)/out/catalog/index.html"
fi
$A --db sqlite:///archive.db list
echo "export: $(pwd)/out/export.json"
