#!/usr/bin/env bash
# Installs Debian's HAProxy (package haproxy, 2.6 on Debian 12) for the PROXY protocol interop tests, which run a
# private instance (tests/Support/PrivateHaproxy.cs: its own config in a temp folder, a loopback frontend) in front of
# the relay. Without it those tests report as skipped with the reason. Needs root only when it is missing. The
# package's own service is stopped and disabled: the tests never use /etc/haproxy.
set -euo pipefail

if [ -x /usr/sbin/haproxy ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-haproxy: haproxy is missing and installing it needs root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends haproxy >/dev/null
# A container has no init to have started it; on a full system the packaged service is not ours to keep running.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet haproxy 2>/dev/null; then
  systemctl stop haproxy || true
  systemctl disable haproxy >/dev/null 2>&1 || true
fi
/usr/sbin/haproxy -v | head -n 1
