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
    void clickHouseUnreachableIsDegradedAtOnceWithHowLongAndWhenItTurnsDown() {
        HealthCheck.Health h = HealthCheck.evaluate(POLICY, clickHouse(false, 40), List.of(), totals(100, 10_000, 0));

        assertDegraded(h, "ClickHouse unreachable for 40 s (DOWN after 1m00s, CH_DOWN_AFTER_S); 10 row(s) waiting:"
                + " connection refused");
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

    @Test
    void aQuarantineNearItsCapSaysThatRejectedRowsWillStayQueued() {
        StatusReport.Totals t = new StatusReport.Totals("/s/spool.db", 10, 0, 1000, 4096, 0, 10_000, 10, 0, 0, 40,
                Map.of(), 950, 1000, 7);

        HealthCheck.Health h = HealthCheck.evaluate(POLICY, clickHouse(true, 0), List.of(), t);

        assertEquals(Verdict.DEGRADED, h.verdict());
        assertEquals(List.of("quarantine 950 B of 1000 B cap (95%; CH_QUARANTINE_MAX_BYTES): at the cap rows ClickHouse"
                        + " rejects are not quarantined but stay queued and hold up their table; purge or retry"
                        + " quarantined rows (spoolctl quarantine purge|retry)",
                "40 row(s) quarantined, 950 B (not retried until an operator acts: spoolctl quarantine list|retry|purge);"
                        + " 7 row(s) stayed queued since start because the quarantine was full"), h.reasons());
    }

    private static StatusReport.ClickHouseServer up(String url) {
        return new StatusReport.ClickHouseServer(url, "up", true, 0, 0, 0, null, 10, 0, 0.01, "18.16.1", null);
    }

    private static StatusReport.ClickHouseServer down(String url, double downFor) {
        return new StatusReport.ClickHouseServer(url, "down", false, downFor, 4, 3,
                "connection refused by " + url + " (RETRYABLE, no answer: ConnectException: Connection refused)", 0, 3, 0.001, null, null);
    }

    /** The summary block as StatusCollector derives it from the servers. */
    private static StatusReport.ClickHouse pool(StatusReport.ClickHouseServer... servers) {
        boolean allDown = java.util.Arrays.stream(servers).noneMatch(StatusReport.ClickHouseServer::reachable);
        double downFor = java.util.Arrays.stream(servers).mapToDouble(StatusReport.ClickHouseServer::downForSeconds).min().orElse(0);
        return new StatusReport.ClickHouse("http://a:8123,http://b:8123", "default", "db", !allDown, allDown ? downFor : 0,
                "connection refused", null, null, "in_order", List.of(servers));
    }

    @Test
    void oneOfTwoServersDownIsDegradedAndNamesIt() {
        HealthCheck.Health h = HealthCheck.evaluate(POLICY, pool(up("http://a:8123"), down("http://b:8123", 3600)),
                List.of(), totals(0, 10_000, 0));

        assertDegraded(h, "ClickHouse server http://b:8123 unreachable for 1h00m");
        assertTrue(h.reasons().get(0).contains("1 of 2 servers impaired; the others take its inserts"), h.reasons().get(0));
        assertTrue(h.reasons().get(0).endsWith("Connection refused)"), h.reasons().get(0));
    }

    @Test
    void aServerAnsweringRetryableErrorsIsDegradedToo() {
        StatusReport.ClickHouseServer failing = new StatusReport.ClickHouseServer("http://b:8123", "failing", true, 0, 8, 4,
                "http://b:8123 answered HTTP 503: Service Unavailable (RETRYABLE code=-1 http=503)", 0, 4, 0.001, null, null);

        HealthCheck.Health h = HealthCheck.evaluate(POLICY, pool(up("http://a:8123"), failing), List.of(), totals(0, 10_000, 0));

        assertDegraded(h, "ClickHouse server http://b:8123 answers with errors, skipped for 8.0 s");
    }

    @Test
    void everyServerDownPastTheLimitIsDown() {
        HealthCheck.Health h = HealthCheck.evaluate(POLICY, pool(down("http://a:8123", 90), down("http://b:8123", 61)),
                List.of(), totals(0, 10_000, 0));

        assertEquals(Verdict.DOWN, h.verdict());
        assertEquals(1, h.reasons().size(), h.reasons().toString());
        assertTrue(h.reasons().get(0).startsWith("ClickHouse unreachable for 1m01s (limit 1m00s), all 2 servers"),
                h.reasons().get(0));
    }

    @Test
    void everyServerDownForLessThanTheLimitIsDegradedNamingEach() {
        HealthCheck.Health h = HealthCheck.evaluate(POLICY, pool(down("http://a:8123", 90), down("http://b:8123", 20)),
                List.of(), totals(0, 10_000, 0));

        assertEquals(Verdict.DEGRADED, h.verdict());
        assertEquals(3, h.reasons().size(), h.reasons().toString());
        assertTrue(h.reasons().get(0).startsWith("ClickHouse unreachable for 20 s, all 2 servers (DOWN after 1m00s,"
                + " CH_DOWN_AFTER_S)"), h.reasons().get(0));
        assertTrue(h.reasons().get(1).startsWith("ClickHouse server http://a:8123 unreachable for 1m30s (2 of 2 servers impaired)"),
                h.reasons().get(1));
        assertTrue(h.reasons().get(2).startsWith("ClickHouse server http://b:8123 unreachable for 20 s"), h.reasons().get(2));
    }

    @Test
    void aSingleServerDownForLessThanTheLimitIsDegradedNotOk() {
        StatusReport.ClickHouse one = new StatusReport.ClickHouse("http://a:8123", "default", "db", false, 20,
                "connection refused", null, null, "in_order", List.of(down("http://a:8123", 20)));

        assertDegraded(HealthCheck.evaluate(POLICY, one, List.of(), totals(0, 10_000, 0)),
                "ClickHouse unreachable for 20 s (DOWN after 1m00s, CH_DOWN_AFTER_S)");
    }

    private static void assertDegraded(HealthCheck.Health h, String reasonStart) {
        assertEquals(Verdict.DEGRADED, h.verdict());
        assertEquals(1, h.reasons().size(), h.reasons().toString());
        assertTrue(h.reasons().get(0).startsWith(reasonStart), h.reasons().get(0));
    }

    @Test
    void aStoppedWriterMakesAnyVerdictDownWithItsReasonFirst() {
        HealthCheck.Health ok = new HealthCheck.Health(Verdict.OK, List.of());
        HealthCheck.Health degraded = new HealthCheck.Health(Verdict.DEGRADED, List.of("1 row(s) quarantined"));
        assertEquals(new HealthCheck.Health(Verdict.DOWN, List.of("writer stopped")), ok.worsenedBy(Verdict.DOWN, "writer stopped"));
        assertEquals(List.of("writer stopped", "1 row(s) quarantined"), degraded.worsenedBy(Verdict.DOWN, "writer stopped").reasons());
        assertEquals(Verdict.DOWN, new HealthCheck.Health(Verdict.DOWN, List.of("x")).worsenedBy(Verdict.DEGRADED, "y").verdict());
    }
}
