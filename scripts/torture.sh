#!/usr/bin/env bash
# The full torture run (docs/reliability.md): the real agent (child JVM, -Xmx128m) against a real
# ClickHouse behind a fault proxy, with 8 clients streaming: 50 kill -9 cycles, 3 min of proxy faults
# (refuse / delay / cut mid-request / HTTP 503 / cut after response), 30000 hostile protocol lines, a
# spool on a small tmpfs that fills up (root only; skipped with a message otherwise), and damaged spool
# files at start. Prints the summary table; exit status 0 only if every invariant held.
# The shortened form runs in `mvn verify` (TortureShortIT), hence in scripts/test.sh.
#   scripts/torture.sh            full run
#   scripts/torture.sh --short    the shortened form, from the command line
# ClickHouse: a replicated cluster (ZooKeeper in-process + two clickhouse-server replicas started in temp
# dirs), or the existing shard whose replica URLs are in $CH_TEST_CLUSTER_URLS.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:---full}"
# The run needs test-scope libraries too (curator-test's in-process ZooKeeper for the cluster), which
# target/lib (runtime scope, for the package) does not hold: the test classpath comes from Maven.
mvn -B -q -ntp -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test.classpath
exec java -cp "target/classes:target/test-classes:$(cat target/test.classpath)" org.chspool.torture.TortureRun "$mode"
