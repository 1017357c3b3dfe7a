package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
    private static final HealthPolicy POLICY = new HealthPolicy(Duration.ofSeconds(60), Duration.ofSeconds(300),
            1000, 0.9, 100);

    private static StatusReport.ClickHouse clickHouse(boolean reachable, double downFor) {
        return new StatusReport.ClickHouse("http://ch:8123", "default", "db", reachable, downFor, "connection refused",
                null, null);
    }

    private static StatusReport.Totals totals(long queuedBytes, long free, long quarantined) {
        return new StatusReport.Totals("/s/spool.db", 10, queuedBytes, 1000, 4096, 0, free, 10, 0, 0, quarantined,
                Map.of());
    }

    private static StatusReport.Table table(double age) {
        return new StatusReport.Table("db.t", 10, 100, age, 0, null, 0, 0, 0, 0, "at-least-once");
    }

    @Test
    void idleOrDeliveringIsOk() {
        HealthCheck.Health h = HealthCheck.evaluate(POLICY, clickHouse(true, 0), List.of(table(1)), totals(100, 10_000, 0));
        assertEquals(Verdict.OK, h.verdict());
        assertEquals(List.of(), h.reasons());
    }

    @Test
    void clickHouseUnreachableBelowTheThresholdIsStillOk() {
        assertEquals(Verdict.OK, HealthCheck.evaluate(POLICY, clickHouse(false, 59), List.of(), totals(0, 10_000, 0)).verdict());
    }

    @Test
    void clickHouseUnreachableBeyondTheThresholdIsDownAndOutranksDegraded() {
        HealthCheck.Health h = HealthCheck.evaluate(POLICY, clickHouse(false, 61), List.of(table(400)), totals(0, 10_000, 3));
        assertEquals(Verdict.DOWN, h.verdict());
        assertTrue(h.reasons().get(0).startsWith("ClickHouse unreachable for 1m01s"), h.reasons().get(0));
        assertEquals(3, h.reasons().size(), h.reasons().toString());
    }

    @Test
    void eachAttentionConditionAloneIsDegradedWithItsNumbers() {
        assertDegraded(HealthCheck.evaluate(POLICY, clickHouse(true, 0), List.of(), totals(0, 10_000, 2)), "2 row(s) quarantined");
        assertDegraded(HealthCheck.evaluate(POLICY, clickHouse(true, 0), List.of(table(300)), totals(0, 10_000, 0)),
                "table db.t: oldest row 5m00s old");
        assertDegraded(HealthCheck.evaluate(POLICY, clickHouse(true, 0), List.of(), totals(900, 10_000, 0)),
                "spool 900 B of 1000 B cap (90%");
        assertDegraded(HealthCheck.evaluate(POLICY, clickHouse(true, 0), List.of(), totals(0, 99, 0)),
                "free disk 99 B < CH_VACUUM_MIN_FREE_BYTES 100 B");
    }

    private static void assertDegraded(HealthCheck.Health h, String reasonStart) {
        assertEquals(Verdict.DEGRADED, h.verdict());
        assertEquals(1, h.reasons().size(), h.reasons().toString());
        assertTrue(h.reasons().get(0).startsWith(reasonStart), h.reasons().get(0));
    }
}
