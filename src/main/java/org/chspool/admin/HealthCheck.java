package org.chspool.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.chspool.spool.Bytes;

/**
 * Decides the verdict from a status snapshot. The mapping (also in {@code docs/operations.md}):
 * <ul>
 * <li>DOWN — ClickHouse has answered no request for longer than {@link HealthPolicy#downAfter()}
 * ({@code CH_DOWN_AFTER_S}); with several servers, none of them has.</li>
 * <li>DEGRADED — any of: no ClickHouse server answers, for less than that limit (at once: the reason
 * says for how long, when it turns DOWN and how many rows wait); with several servers, one (or more)
 * is down or answering retryable errors (named in the reason; the others take its inserts); rows in
 * the quarantine, or the quarantine at 90% of {@code CH_QUARANTINE_MAX_BYTES} (beyond the cap rows
 * ClickHouse rejects stay queued); a table's oldest row at least {@code CH_ALERT_AGE_S}
 * old; queued bytes at or above 90% of {@code CH_SPOOL_MAX_BYTES}; free disk below
 * {@code CH_VACUUM_MIN_FREE_BYTES}; the spool file was damaged at start and recovered, until an
 * operator acknowledges it ({@code spoolctl recover --ack}); a TCP listener accepting rows without a
 * token ({@code CH_INSECURE_LOOPBACK=1}), for as long as it runs; an agent thread that died of an
 * unexpected exception (added by {@link StatusCollector}, as is DOWN for a writer stopped for good).</li>
 * <li>OK — otherwise (delivering, or idle).</li>
 * </ul>
 * Every condition that holds is listed as a reason, with its numbers, the most serious first.
 * Stateless and thread-safe.
 */
public final class HealthCheck {
    private static final int MAX_TABLE_REASONS = 5;

    private HealthCheck() {}

    /** A verdict and the reasons for it. */
    public record Health(Verdict verdict, List<String> reasons) {
        public Health {
            reasons = List.copyOf(reasons);
        }

        /** This health made at least {@code worst}, with {@code reason} first. */
        public Health worsenedBy(Verdict worst, String reason) {
            List<String> r = new ArrayList<>(reasons.size() + 1);
            r.add(reason);
            r.addAll(reasons);
            return new Health(verdict.worst(worst), r);
        }
    }

    public static Health evaluate(HealthPolicy p, StatusReport.ClickHouse ch, List<StatusReport.Table> tables,
                                  StatusReport.Totals totals) {
        return evaluate(p, ch, tables, totals, null);
    }

    /** @param recovery the unacknowledged damaged-spool notice's summary, or null */
    public static Health evaluate(HealthPolicy p, StatusReport.ClickHouse ch, List<StatusReport.Table> tables,
                                  StatusReport.Totals totals, String recovery) {
        return evaluate(p, ch, tables, totals, recovery, List.of());
    }

    /**
     * @param recovery the unacknowledged damaged-spool notice's summary, or null
     * @param unauthenticated the TCP listeners that accept rows without a token
     *                        ({@link org.chspool.config.AgentConfig#unauthenticatedListeners()})
     */
    public static Health evaluate(HealthPolicy p, StatusReport.ClickHouse ch, List<StatusReport.Table> tables,
                                  StatusReport.Totals totals, String recovery, List<String> unauthenticated) {
        Verdict v = Verdict.OK;
        List<String> reasons = new ArrayList<>();
        if (recovery != null) {
            v = Verdict.DEGRADED;
            reasons.add("spoolctl recover --ack once seen: " + recovery);
        }
        for (String listener : unauthenticated) {
            v = v.worst(Verdict.DEGRADED);
            reasons.add("CH_INSECURE_LOOPBACK=1: the " + listener + " takes rows from every local user without a"
                    + " token; set CH_AUTH_TOKEN");
        }
        if (ch != null) {
            v = v.worst(clickHouse(p, ch, totals, reasons));
        }
        v = v.worst(quarantine(p, totals, reasons));
        double alert = p.alertAge().toMillis() / 1000.0;
        int old = 0;
        for (StatusReport.Table t : tables) {
            if (t.queuedRows() > 0 && t.oldestAgeSeconds() >= alert) {
                v = v.worst(Verdict.DEGRADED);
                if (++old <= MAX_TABLE_REASONS) {
                    reasons.add("table " + t.table() + ": oldest row " + Durations.human(t.oldestAgeSeconds())
                            + " old (CH_ALERT_AGE_S " + Durations.human(alert) + ")"
                            + (t.lastError() == null ? "" : "; last error: " + t.lastError()));
                }
            }
        }
        if (old > MAX_TABLE_REASONS) {
            reasons.add("... and " + (old - MAX_TABLE_REASONS) + " more table(s) with old rows");
        }
        if (p.spoolCap() > 0 && totals.queuedBytes() >= p.spoolCap() * p.fullRatio()) {
            v = v.worst(Verdict.DEGRADED);
            reasons.add(String.format(Locale.ROOT, "spool %s of %s cap (%.0f%% >= %.0f%%; CH_SPOOL_MAX_BYTES)",
                    Bytes.human(totals.queuedBytes()), Bytes.human(p.spoolCap()),
                    100.0 * totals.queuedBytes() / p.spoolCap(), 100 * p.fullRatio()));
        }
        if (totals.freeDiskBytes() >= 0 && totals.freeDiskBytes() < p.minFreeBytes()) {
            v = v.worst(Verdict.DEGRADED);
            reasons.add("free disk " + Bytes.human(totals.freeDiskBytes()) + " < CH_VACUUM_MIN_FREE_BYTES "
                    + Bytes.human(p.minFreeBytes()));
        }
        return new Health(v, reasons);
    }

    /**
     * DEGRADED while rows are quarantined; at or near the quarantine's cap, first the reason that says what
     * happens there: rows ClickHouse rejects are no longer quarantined but stay queued.
     */
    private static Verdict quarantine(HealthPolicy p, StatusReport.Totals t, List<String> reasons) {
        Verdict v = Verdict.OK;
        long cap = t.quarantineMaxBytes();
        if (cap > 0 && t.quarantinedBytes() >= cap * p.fullRatio()) {
            v = Verdict.DEGRADED;
            reasons.add(String.format(Locale.ROOT, "quarantine %s of %s cap (%.0f%%; CH_QUARANTINE_MAX_BYTES): at the"
                    + " cap rows ClickHouse rejects are not quarantined but stay queued and hold up their table;"
                    + " purge or retry quarantined rows (spoolctl quarantine purge|retry)",
                    Bytes.human(t.quarantinedBytes()), Bytes.human(cap), 100.0 * t.quarantinedBytes() / cap));
        }
        if (t.quarantinedRows() > 0) {
            v = Verdict.DEGRADED;
            reasons.add(t.quarantinedRows() + " row(s) quarantined" + (t.quarantinedBytes() > 0 ? ", "
                    + Bytes.human(t.quarantinedBytes()) : "") + " (not retried until an operator acts: spoolctl"
                    + " quarantine list|retry|purge)" + (t.quarantineRefusedRows() > 0 ? "; " + t.quarantineRefusedRows()
                    + " row(s) stayed queued since start because the quarantine was full" : ""));
        }
        return v;
    }

    /**
     * DOWN when no server has answered for the limit; DEGRADED at once when none answers for less (with
     * how long, when it turns DOWN and the rows waiting), and, with several servers, for each one that is
     * down or failing.
     */
    private static Verdict clickHouse(HealthPolicy p, StatusReport.ClickHouse ch, StatusReport.Totals totals,
                                      List<String> reasons) {
        double limit = p.downAfter().toMillis() / 1000.0;
        int n = ch.servers().size();
        Verdict v = Verdict.OK;
        if (!ch.reachable()) {
            String what = "ClickHouse unreachable for " + Durations.human(ch.downForSeconds())
                    + (n > 1 ? ", all " + n + " servers" : "");
            String error = ch.lastError() == null ? "" : ": " + ch.lastError();
            if (ch.downForSeconds() >= limit) {
                reasons.add(String.format(Locale.ROOT, "ClickHouse unreachable for %s (limit %s)%s%s",
                        Durations.human(ch.downForSeconds()), Durations.human(limit),
                        n > 1 ? ", all " + n + " servers" : "", error));
                return Verdict.DOWN;
            }
            reasons.add(what + " (DOWN after " + Durations.human(limit) + ", CH_DOWN_AFTER_S)"
                    + (totals.queuedRows() > 0 ? "; " + totals.queuedRows() + " row(s) waiting" : "") + error);
            v = Verdict.DEGRADED;
        }
        if (n < 2) {
            return v;
        }
        long impaired = ch.servers().stream().filter(StatusReport.ClickHouseServer::impaired).count();
        for (StatusReport.ClickHouseServer s : ch.servers()) {
            if (s.impaired()) {
                String what = s.reachable() ? "answers with errors, skipped for " + Durations.human(s.skippedForSeconds())
                        : "unreachable for " + Durations.human(s.downForSeconds());
                reasons.add("ClickHouse server " + s.url() + " " + what + " (" + impaired + " of " + n
                        + " servers impaired" + (impaired < n ? "; the others take its inserts" : "") + ")"
                        + (s.lastError() == null ? "" : ": " + s.lastError()));
            }
        }
        return impaired > 0 ? Verdict.DEGRADED : v;
    }
}
