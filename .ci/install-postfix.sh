#!/usr/bin/env bash
# Installs Postfix (smtpd, smtp-sink, postconf) from the distribution if it is missing, without letting
# the package configure a mail system. Used by .ci/postfix-setup.sh and src/Bench/smtp-sink-compare.sh; the interop
# tests that use Postfix as the relay's next hop (tests/Interop.Tests/PostfixNextHopTests.cs) run smtp-sink and a
# private instance (postfix -c) from it. Debian's postfix package ships smtp-sink.
# Needs root only when Postfix is missing.
set -euo pipefail

# Absolute paths: /usr/sbin is not on a Debian user's PATH, and Postfix may well be installed.
if [ -x /usr/sbin/postfix ] && [ -x /usr/sbin/smtp-sink ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-postfix: Postfix is missing and installing it needs root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq postfix >/dev/null
