#!/usr/bin/env bash
# Installs Postfix (smtpd, smtp-sink, postconf) from the distribution if it is missing, without letting
# the package configure a mail system, with Cyrus SASL's client modules (PLAIN, LOGIN: Postfix's
# smtp_sasl_auth_enable in tests/Interop.Tests/AuthInteropTests.cs) and swaks (its --auth tests).
# Used by .ci/postfix-setup.sh and src/Bench/smtp-sink-compare.sh; the interop
# tests that use Postfix as the relay's next hop (tests/Interop.Tests/PostfixNextHopTests.cs) run smtp-sink and a
# private instance (postfix -c) from it. Debian's postfix package ships smtp-sink.
# Needs root only when something is missing.
set -euo pipefail

# Absolute paths: /usr/sbin is not on a Debian user's PATH, and Postfix may well be installed.
if [ -x /usr/sbin/postfix ] && [ -x /usr/sbin/smtp-sink ] && [ -x /usr/bin/swaks ] \
  && ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-postfix: Postfix, its SASL modules or swaks are missing and installing them needs root" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq postfix libsasl2-modules swaks >/dev/null
