package org.chspool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.chspool.Version;
import org.chspool.admin.StatusCollector;
import org.chspool.admin.StatusReport;
import org.chspool.admin.Verdict;
import org.chspool.spool.FreeSpaceProbe;
import org.chspool.spool.SpoolFiles;
import org.chspool.spool.SpoolReader;
import org.chspool.spool.SqliteConnections;
import org.chspool.spool.TableBacklog;

/**
 * The status of a spool whose agent does not answer, read straight from the file on a read-only SQLite
 * connection: per-table backlog and quarantine, file sizes, free disk. It never writes and waits at most
 * {@link #BUSY_MS} for a lock, so it can neither block nor damage an agent that is in fact running.
 * The verdict is DOWN (nothing is being delivered).
 */
final class OfflineStatus {
    static final int BUSY_MS = 1_000;

    private OfflineStatus() {}

    static StatusReport read(Path spoolFile, String why, Clock clock) throws IOException, SQLException {
        if (!Files.isRegularFile(spoolFile)) {
            throw new IOException("no spool file at " + spoolFile);
        }
        try (Connection c = SqliteConnections.readOnly(spoolFile, BUSY_MS); SpoolReader reader = new SpoolReader(c)) {
            List<TableBacklog> backlog = reader.backlog();
            Map<String, long[]> quarantine = reader.quarantineTotals();
            Map<String, Long> quarantined = new TreeMap<>();
            quarantine.forEach((t, rb) -> quarantined.put(t, rb[0]));
            long quarantinedBytes = quarantine.values().stream().mapToLong(rb -> rb[1]).sum();
            Map<String, TableBacklog> byTable = new TreeMap<>();
            backlog.forEach(b -> byTable.put(b.table(), b));
            TreeSet<String> names = new TreeSet<>(byTable.keySet());
            names.addAll(quarantined.keySet());
            Instant now = clock.instant();
            long nowUs = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
            List<StatusReport.Table> tables = new ArrayList<>();
            long rows = 0;
            long bytes = 0;
            for (String name : names) {
                TableBacklog b = byTable.get(name);
                rows += b == null ? 0 : b.rows();
                bytes += b == null ? 0 : b.bytes();
                tables.add(new StatusReport.Table(name, b == null ? 0 : b.rows(), b == null ? 0 : b.bytes(),
                        b == null ? 0 : Math.max(0, nowUs - b.oldestCreatedUs()) / 1e6, b == null ? 0 : b.headAttempts(),
                        b == null ? null : StatusCollector.shorten(b.headLastError()), 0, 0, quarantined.getOrDefault(name, 0L),
                        0, null));
            }
            long q = quarantined.values().stream().mapToLong(Long::longValue).sum();
            Path abs = spoolFile.toAbsolutePath();
            StatusReport.Totals totals = new StatusReport.Totals(abs.toString(), rows, bytes, 0, SpoolFiles.sizeOrZero(abs),
                    SpoolFiles.sizeOrZero(SpoolFiles.walOf(abs)), free(abs), 0, 0, 0, q, null, quarantinedBytes, 0, 0);
            return new StatusReport(null, Version.get(), StatusReport.NOT_RUNNING, null, Verdict.DOWN,
                    List.of("agent not running: " + why), null, tables, totals, null);
        }
    }

    private static long free(Path p) {
        try {
            return FreeSpaceProbe.FILESYSTEM.freeBytes(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
