#!/usr/bin/env bash
# Installs the Debian packages the project needs, when they are missing.
#   usage: scripts/system-deps.sh run    # what the site needs
#          scripts/system-deps.sh test   # plus what the test suite needs
# run:  python3-venv (only if Python cannot make a virtualenv), gettext (compiling translations),
#       IPAex fonts + HarfBuzz subsetting (Japanese PDFs with WeasyPrint)
# test: chromium (browser tests, driven by Playwright; never a downloaded browser),
#       poppler-utils and zbar-tools (tests read back the PDFs and QR codes we produce),
#       redis-server (the fault tests run django-q2 on Redis as well as on the database broker),
#       postgresql-client (pg_dump/pg_restore: the backup and restore procedure is tested)
set -euo pipefail
mode="${1:-run}"

need=()
"${PYTHON:-python3}" -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
command -v msgfmt >/dev/null || need+=(gettext)
[ -e /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] || need+=(fonts-ipaexfont-gothic)
[ -e /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf ] || need+=(fonts-ipaexfont-mincho)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || need+=(libharfbuzz-subset0)
if [ "$mode" = "test" ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
  command -v zbarimg >/dev/null || need+=(zbar-tools)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v pg_dump >/dev/null || need+=(postgresql-client)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Missing Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
