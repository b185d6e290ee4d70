#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium and its WebDriver (chromium, chromium-driver) for the browser tests
# (tests/Browser.Tests), which drive the relay's web page through Selenium. Without them those tests report as
# skipped with the reason. Needs root only when they are missing. Loopback only at run time: the tests point the
# browser at the relay they started.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-chromium: Chromium is missing and installing it needs root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
