package org.chspool.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.chspool.admin.Durations;
import org.chspool.admin.StatusReport;
import org.chspool.spool.Bytes;

/**
 * Renders a {@link StatusReport} for people: the verdict as the first word, the reasons, a table of
 * per-table backlog aligned to fit {@value #WIDTH} columns, then totals. Stateless.
 */
final class StatusRenderer {
    static final int WIDTH = 100;
    private static final String ROW = "%-28s %10s %10s %8s %5s %8s %11s %8s";

    private StatusRenderer() {}

    static String render(StatusReport r) {
        StringBuilder sb = new StringBuilder();
        boolean running = StatusReport.RUNNING.equals(r.agent());
        line(sb, r.verdict().name() + "  " + (r.namespace() == null ? "" : "namespace " + r.namespace() + " · ")
                + "agent: " + r.agent() + (running && r.uptimeSeconds() != null
                ? " (up " + Durations.human(r.uptimeSeconds()) + ", chspool " + r.version() + ")" : ""));
        StatusReport.ClickHouse ch = r.clickhouse();
        if (ch != null) {
            boolean several = ch.servers().size() > 1;
            line(sb, "clickhouse: " + (several ? ch.servers().size() + " servers (" + ch.loadBalancing() + ")" : ch.url())
                    + " user " + ch.user() + " db " + ch.database() + " · "
                    + (ch.reachable() ? "reachable" : "UNREACHABLE for " + Durations.human(ch.downForSeconds()))
                    + (ch.serverVersion() == null || several ? "" : " · server " + ch.serverVersion()));
            ch.servers().forEach(server -> servers(sb, server));
        }
        r.reasons().forEach(reason -> line(sb, "  ! " + reason));
        sb.append('\n');
        line(sb, String.format(Locale.ROOT, ROW, "TABLE", "QUEUED", "BYTES", "OLDEST", "TRIES", "ROWS/S",
                "DELIVERED", "QUARANT"));
        for (StatusReport.Table t : r.tables()) {
            line(sb, String.format(Locale.ROOT, ROW, fit(t.table(), 28), count(t.queuedRows()), Bytes.human(t.queuedBytes()),
                    t.queuedRows() == 0 ? "-" : Durations.human(t.oldestAgeSeconds()), t.headAttempts(),
                    running ? String.format(Locale.ROOT, "%.1f", t.rowsPerSecond()) : "-",
                    running ? count(t.deliveredRows()) : "-", count(t.quarantinedRows())));
        }
        if (r.tables().isEmpty()) {
            line(sb, "(no queued rows)");
        }
        StatusReport.Totals tt = r.totals();
        line(sb, String.format(Locale.ROOT, ROW, "TOTAL", count(tt.queuedRows()), Bytes.human(tt.queuedBytes()), "", "",
                running ? String.format(Locale.ROOT, "%.1f", tt.rowsPerSecond()) : "-",
                running ? count(tt.deliveredRows()) : "-", count(tt.quarantinedRows())));
        if (running) {
            List<StatusReport.Table> known = r.tables().stream().filter(t -> t.guarantee() != null).toList();
            if (!known.isEmpty()) {
                sb.append('\n');
                known.forEach(t -> line(sb, "delivery " + t.table() + ": " + (t.guarantee().equals("at-least-once")
                        ? "AT-LEAST-ONCE (a lost answer can duplicate rows; see docs/clusters.md)" : t.guarantee())
                        + (t.frozenBatches() > 0 ? " · " + t.frozenBatches() + " frozen batch(es) in flight" : "")));
            }
        }
        List<StatusReport.Table> failing = r.tables().stream().filter(t -> t.lastError() != null).toList();
        if (!failing.isEmpty()) {
            sb.append('\n');
            failing.forEach(t -> line(sb, "last error " + t.table() + ": " + t.lastError()));
        }
        sb.append('\n');
        line(sb, "spool: " + tt.spoolFile());
        line(sb, "  file " + Bytes.human(tt.spoolFileBytes()) + " · WAL " + Bytes.human(tt.walBytes()) + " · free disk "
                + (tt.freeDiskBytes() < 0 ? "unknown" : Bytes.human(tt.freeDiskBytes()))
                + (tt.spoolMaxBytes() > 0 ? String.format(Locale.ROOT, " · cap %s (%.0f%% used)",
                Bytes.human(tt.spoolMaxBytes()), 100.0 * tt.queuedBytes() / tt.spoolMaxBytes()) : ""));
        if (tt.quarantinedRows() > 0 || tt.quarantineMaxBytes() > 0) {
            line(sb, "  quarantine " + count(tt.quarantinedRows()) + " rows · " + Bytes.human(tt.quarantinedBytes())
                    + (tt.quarantineMaxBytes() > 0 ? String.format(Locale.ROOT, " · cap %s (%.0f%% used)",
                    Bytes.human(tt.quarantineMaxBytes()), 100.0 * tt.quarantinedBytes() / tt.quarantineMaxBytes()) : "")
                    + (tt.quarantineRefusedRows() > 0 ? " · " + count(tt.quarantineRefusedRows()) + " refused (full)" : ""));
        }
        if (running) {
            line(sb, "  accepted " + count(tt.acceptedRows()) + " rows since start · rejected " + rejected(tt.rejectedRows()));
        }
        if (r.maintenance() != null) {
            line(sb, "maintenance " + r.maintenance().at() + (r.maintenance().ok() ? "" : " FAILED") + ": "
                    + r.maintenance().summary());
        }
        return sb.toString();
    }

    /** One line per server: state, version, insert counts and mean latency; then its last error while impaired. */
    private static void servers(StringBuilder sb, StatusReport.ClickHouseServer s) {
        String state = !s.reachable() ? "DOWN for " + Durations.human(s.downForSeconds())
                : s.impaired() ? "FAILING, skipped for " + Durations.human(s.skippedForSeconds()) : s.state();
        line(sb, "  " + s.url() + " · " + state + (s.serverVersion() == null ? "" : " · " + s.serverVersion())
                + " · inserts " + count(s.insertsOk()) + " ok, " + count(s.insertsFailed()) + " failed"
                + (s.meanInsertSeconds() == null ? "" : String.format(Locale.ROOT, " · mean %.0f ms", s.meanInsertSeconds() * 1000)));
        if (s.impaired() && s.lastError() != null) {
            line(sb, "    last error: " + s.lastError());
        }
    }

    private static String rejected(Map<String, Long> byReason) {
        if (byReason == null) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        byReason.forEach((k, v) -> {
            if (v > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(count(v));
            }
        });
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /** Appends {@code s} cut to the width (with an ellipsis), then a newline. */
    private static void line(StringBuilder sb, String s) {
        String stripped = s.stripTrailing();
        sb.append(stripped.length() > WIDTH ? stripped.substring(0, WIDTH - 1) + "…" : stripped).append('\n');
    }

    static String fit(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
