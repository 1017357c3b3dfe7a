#!/usr/bin/env bash
# Benchmarks (not tests): scripts/bench.sh spool|drain|e2e|put|http|python|overload|outage [args...]
# Builds the project, then runs the benchmark's main class; each prints a table of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-}"; shift || true
case "$what" in
  spool) main=org.chspool.bench.SpoolBenchmark ;;
  drain) main=org.chspool.bench.DrainBenchmark ;;
  e2e)   main=org.chspool.bench.EndToEndBenchmark ;;
  put)   main=org.chspool.ingest.PutBenchmark ;;
  http)  main=org.chspool.bench.HttpBenchmark ;;
  python) main=org.chspool.bench.PythonBenchmark ;;
  overload) main=org.chspool.bench.OverloadBenchmark ;;
  outage) main=org.chspool.replay.OutageBenchmark ;;
  *) echo "usage: scripts/bench.sh spool|drain|e2e|put|http|python|overload|outage [args]" >&2; exit 2 ;;
esac
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  mvn -B -q -ntp -DskipTests package test-compile >&2
fi
exec java ${BENCH_JAVA_OPTS:--Xmx2g} -cp "target/classes:target/test-classes:target/lib/*" "$main" "$@"
