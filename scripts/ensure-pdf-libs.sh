#!/usr/bin/env bash
# The system libraries WeasyPrint needs to make letters as PDFs (Pango, HarfBuzz)
# and fonts for the scripts our languages use. Installed with apt when missing.
set -euo pipefail
PY="${1:-.venv/bin/python}"
fonts_present() {
  # Letters carry an interpreter line in the victim's script, and the rights
  # leaflets are printed in every language: Devanagari, Bengali, Gurmukhi,
  # Gujarati, Chinese, Arabic and Urdu need Noto (fonts-noto-core has Naskh
  # Arabic and Nastaliq Urdu); DejaVu covers the rest.
  command -v fc-list >/dev/null 2>&1 || return 1
  for lang in hi bn pa gu zh ar ur; do
    [ -n "$(fc-list ":lang=$lang" family)" ] || return 1
  done
}
if "$PY" -c "import weasyprint" >/dev/null 2>&1 && fonts_present; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "Letters need: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk (as root)." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing the libraries letters need (Pango, HarfBuzz, fonts)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
  fonts-noto-core fonts-noto-cjk >/dev/null
"$PY" -c "import weasyprint"
