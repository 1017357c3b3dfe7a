package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.chspool.admin.StatusReport;
import org.chspool.admin.Verdict;
import org.junit.jupiter.api.Test;

class StatusRendererTest {
    private static StatusReport report(StatusReport.ClickHouse ch) {
        StatusReport.Totals totals = new StatusReport.Totals("/s/spool.db", 0, 0, 1000, 4096, 0, 10_000, 10, 10, 0, 0,
                Map.of());
        return new StatusReport("prod", "1.0", StatusReport.RUNNING, 12.0, Verdict.DEGRADED, List.of("x"), ch, List.of(),
                totals, null);
    }

    @Test
    void eachServerGetsALineWithItsStateVersionInsertsAndTheErrorOfAnImpairedOne() {
        StatusReport.ClickHouse ch = new StatusReport.ClickHouse("http://a:8123,http://b:8123", "default", "prod", true, 0,
                "refused", "18.16.1", null, "round_robin", List.of(
                new StatusReport.ClickHouseServer("http://a:8123", "up", true, 0, 0, 0, null, 1234, 1, 0.012, "18.16.1", null),
                new StatusReport.ClickHouseServer("http://b:8123", "down", false, 75, 16, 5,
                        "connection refused by http://b:8123 (RETRYABLE, no answer: ConnectException: Connection refused)", 0, 5, 0.001, null, null)));

        String out = StatusRenderer.render(report(ch));

        assertTrue(out.contains("clickhouse: 2 servers (round_robin) user default db prod · reachable\n"), out);
        assertTrue(out.contains("  http://a:8123 · up · 18.16.1 · inserts 1,234 ok, 1 failed · mean 12 ms\n"), out);
        assertTrue(out.contains("  http://b:8123 · DOWN for 1m15s · inserts 0 ok, 5 failed · mean 1 ms\n"), out);
        assertTrue(out.contains("    last error: connection refused by http://b:8123 (RETRYABLE, no answer: ConnectException: Connec…\n"),
                out); // clipped to the width: what happened comes first
    }

    @Test
    void aReportWithoutServersFromAnOlderAgentRendersAsBefore() {
        StatusReport.ClickHouse ch = new StatusReport.ClickHouse("http://a:8123", "default", "prod", true, 0, null,
                "18.16.1", null);

        String out = StatusRenderer.render(report(ch));

        assertTrue(out.contains("clickhouse: http://a:8123 user default db prod · reachable · server 18.16.1\n"), out);
    }
}
