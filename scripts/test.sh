#!/usr/bin/env bash
# THE test command (see README): installs what a fresh machine lacks, then runs every test with
# `mvn -B verify` — unit tests (surefire) and integration tests against a real ClickHouse (failsafe),
# including the shortened torture run (TortureShortIT, ~3 min; the full run is scripts/torture.sh).
# ClickHouse for the integration tests: $CH_TEST_URL if set, else the Debian clickhouse-server
# package (installed here if missing), started by the tests themselves in a temp dir on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v socat >/dev/null 2>&1 || need+=(socat)
if [ -z "${CH_TEST_URL:-}" ] && ! command -v clickhouse-server >/dev/null 2>&1; then
  need+=(clickhouse-server clickhouse-client)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

# The Debian package enables a system service; the tests start their own servers instead.
mvn -B -ntp verify "$@"
