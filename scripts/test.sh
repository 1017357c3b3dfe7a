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
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)   # the Python client (PythonClientIT) and the predecessor (PredecessorImportIT)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)   # the package test verifies the unit
command -v node >/dev/null 2>&1 || need+=(nodejs)                 # the official Node client's IT
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ -z "${CH_TEST_URL:-}" ] && ! command -v clickhouse-server >/dev/null 2>&1; then
  need+=(clickhouse-server clickhouse-client)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

# Unit and integration tests. The tests start their own ClickHouse servers; the Debian package's
# system service is not used.
mvn -B -ntp verify "$@"

# The package: install the .deb built by `verify`, run the installed agent against a real ClickHouse,
# purge it (see scripts/test-package.sh; needs root, uses sudo otherwise).
scripts/test-package.sh --no-build
