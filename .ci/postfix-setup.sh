#!/usr/bin/env bash
# Installs Postfix and configures it as the stand-in for a customer's Exchange server:
# it accepts mail on a loopback port and relays everything to the SmarthostLab relay
# (relayhost), binding its outbound connections to 127.0.0.2 (a "registered outbound server").
# The interop tests rewrite relayhost / smtp_bind_address per test and reload Postfix.
# Writes the submission port to /etc/postfix/smarthostlab-port. Needs root. Loopback only.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then echo "postfix-setup: needs root" >&2; exit 1; fi

bash "$(dirname "$0")/install-postfix.sh"

postfix stop >/dev/null 2>&1 || true
sleep 0.5

# A free loopback port for Postfix's smtpd (not 25: leave the machine's own MTA port alone).
port=""
for p in $(seq 10025 10125); do
  if ! ss -ltn "( sport = :$p )" | grep -q ":$p"; then port=$p; break; fi
done
[ -n "$port" ] || { echo "postfix-setup: no free port in 10025-10125" >&2; exit 1; }

cat > /etc/postfix/main.cf <<CONF
# Written by SmarthostLab .ci/postfix-setup.sh: Postfix as the customer's outbound MTA.
compatibility_level = 3.6
myhostname = exchange.contoso.test
mydomain = contoso.test
myorigin = contoso.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
# The smarthost: the interop tests point this at the relay they started.
relayhost = [127.0.0.1]:2525
smtp_bind_address = 127.0.0.2
smtp_tls_security_level = may
smtp_tls_loglevel = 1
smtp_host_lookup = native
smtp_dns_support_level = disabled
# Retry soon: a test that changes relayhost wants queued mail to move at once.
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 20s
bounce_queue_lifetime = 1m
maximal_queue_lifetime = 1m
maillog_file = /var/log/postfix-smarthostlab.log
CONF

# Submission service on the chosen loopback port; no chroot (container-friendly).
postconf -M# "smtp/inet" >/dev/null 2>&1 || true
postconf -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
postconf -F '*/*/chroot = n'
echo "$port" > /etc/postfix/smarthostlab-port

postfix check
postfix start >/dev/null 2>&1 || postfix reload >/dev/null
for _ in $(seq 1 50); do
  ss -ltn "( sport = :$port )" | grep -q ":$port" && break
  sleep 0.2
done
ss -ltn "( sport = :$port )" | grep -q ":$port" || { echo "postfix-setup: smtpd did not start on $port" >&2; tail -20 /var/log/postfix-smarthostlab.log >&2 || true; exit 1; }
echo "postfix-setup: Postfix $(postconf -h mail_version) listening on 127.0.0.1:$port, relaying from 127.0.0.2"
