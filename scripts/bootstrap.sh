#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine: system packages
# (Tesseract, poppler, jbig2dec, PostgreSQL, Chromium) and a virtual environment
# in .venv with the project and its test extras. Safe to run again: it only
# installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd poppler-utils jbig2dec postgresql chromium fonts-dejavu-core qpdf)
# Extra packages only the benchmark needs (OCRmyPDF as a baseline, unpaper for its --clean).
if [[ "${ARCHIVE_BENCH:-0}" == 1 ]]; then APT_PACKAGES+=(ocrmypdf unpaper ghostscript); fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "bootstrap: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -f $stamp ]]; then
  echo "bootstrap: installing the project into .venv (log: .venv/pip.log)" >&2
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e '.[test]'; } \
      >.venv/pip.log 2>&1; then
    tail -n 20 .venv/pip.log >&2
    echo "bootstrap: pip install failed (full log: .venv/pip.log)" >&2
    exit 1
  fi
  rm -f .venv/.installed-*; touch "$stamp"
fi
