#!/usr/bin/env bash
# Installs the Debian packages Digilotse needs for running and testing:
# Chromium (browser tests), PostgreSQL server binaries (throw-away test cluster),
# gettext (translations), pango (WeasyPrint PDF reports), poppler-utils (pdftoppm to look at PDFs). Idempotent: does nothing when everything is present.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
command -v npm >/dev/null 2>&1 || missing+=(npm)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)

[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installiere Debian-Pakete: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Bitte als root ausführen oder installieren: apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian postgresql package starts a system cluster; the tests never use it.
