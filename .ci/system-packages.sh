#!/usr/bin/env bash
# Debian packages the project needs beyond Python: Pango, HarfBuzz and fonts for WeasyPrint.
# Extra package names may be given as arguments (.ci/run adds chromium for the e2e tests).
# Installs whatever is missing when it can (root + apt-get); otherwise says what to install.
set -euo pipefail

PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core "$@")

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages (PDF rendering or the e2e tests need them): ${missing[*]}" >&2
  echo "Install with: sudo apt-get install ${missing[*]}" >&2
fi
