package org.chspool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.chspool.spool.ImportMark;

/**
 * Sends the rows of one predecessor file through the agent's put path, per table in id order, each
 * request carrying its rows' created times and the import progress it advances ({@link ImportMark}), so
 * the agent commits rows and progress together and a rerun continues exactly where the committed rows
 * end. Rows at or below a table's progress are counted as already imported; payloads that are not a JSON
 * object are bad (listed by id, skipped); a request refused for its content is split until the bad rows
 * are found; {@code bad_table} refuses the table; {@code busy} is retried after the agent's hint; any
 * other refusal stops the file (the rest is not sent). Not thread-safe.
 */
final class ImportUploader {
    static final int DEFAULT_ROWS = 1000;
    static final long MAX_BYTES = 1 << 20;
    static final int KEPT_BAD = 10;
    private static final int BUSY_RETRIES = 200;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** What happened to one source table's rows. */
    static final class Tally {
        final String target;
        long imported;
        long already;
        long bad;
        long refused;
        long notSent;
        String refusal;

        Tally(String target) {
            this.target = target;
        }
    }

    /** A row that could not be imported, by its id in the old file. */
    record Bad(long id, String why) {}

    private record Pending(long id, String text, long createdUs) {}

    private final PutConnection conn;
    private final String source;
    private final String database;
    private final int maxRows;
    private final Map<String, Long> progress;
    private final Map<String, Tally> tallies = new TreeMap<>();
    private final Map<String, List<Pending>> buffers = new LinkedHashMap<>();
    private final Map<String, Long> bufferBytes = new LinkedHashMap<>();
    private final List<Bad> firstBad = new ArrayList<>();
    private final Set<Long> refusedIds = new HashSet<>();
    private String stopReason;

    /**
     * @param progress the agent's recorded progress of {@code source} (table -> highest imported id); updated as rows commit
     */
    ImportUploader(PutConnection conn, String source, String database, Map<String, Long> progress, int maxRows) {
        this.conn = conn;
        this.source = source;
        this.database = database;
        this.progress = new TreeMap<>(progress);
        this.maxRows = maxRows;
    }

    void accept(PredecessorFile.Row row) throws IOException, InterruptedException {
        Tally t = tallies.computeIfAbsent(row.table(), k -> new Tally(target(k)));
        if (row.id() <= progress.getOrDefault(row.table(), 0L)) {
            t.already++;
            return;
        }
        if (t.refusal != null) {
            t.refused++;
            return;
        }
        if (stopReason != null) {
            t.notSent++;
            return;
        }
        String text = rowText(row, t);
        if (text == null) {
            return;
        }
        List<Pending> buf = buffers.computeIfAbsent(row.table(), k -> new ArrayList<>());
        buf.add(new Pending(row.id(), text, row.createdUs()));
        long bytes = bufferBytes.merge(row.table(), (long) text.length() + 20, Long::sum);
        if (buf.size() >= maxRows || bytes >= MAX_BYTES) {
            flush(row.table());
        }
    }

    /** Sends what is buffered. */
    void finish() throws IOException, InterruptedException {
        for (String table : List.copyOf(buffers.keySet())) {
            flush(table);
        }
    }

    private String rowText(PredecessorFile.Row row, Tally t) {
        JsonNode node;
        try {
            node = row.payload() == null ? null : JSON.readTree(row.payload());
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !node.isObject()) {
            bad(t, row.id(), node == null ? "not valid JSON" : "not a JSON object");
            return null;
        }
        String p = row.payload();
        return p.indexOf('\n') >= 0 || p.indexOf('\r') >= 0 ? node.toString() : p.strip();
    }

    private void flush(String table) throws IOException, InterruptedException {
        List<Pending> batch = buffers.remove(table);
        bufferBytes.remove(table);
        if (batch != null && !batch.isEmpty()) {
            send(table, batch);
        }
    }

    private void send(String table, List<Pending> batch) throws IOException, InterruptedException {
        Tally t = tallies.get(table);
        if (t.refusal != null) {
            t.refused += batch.size();
            batch.forEach(p -> refusedIds.add(p.id()));
            return;
        }
        if (stopReason != null) {
            t.notSent += batch.size();
            return;
        }
        long after = progress.getOrDefault(table, 0L);
        long last = batch.get(batch.size() - 1).id();
        List<String> texts = batch.stream().map(Pending::text).toList();
        long[] created = batch.stream().mapToLong(Pending::createdUs).toArray();
        ImportMark mark = new ImportMark(source, table, after, last);
        PutConnection.Reply r = PutConnection.sendWhileBusy(() -> conn.sendImported(t.target, texts, created, mark),
                BUSY_RETRIES);
        if (r.ok()) {
            progress.put(table, last);
            t.imported += r.n();
        } else if ("bad_request".equals(r.error()) && r.message().startsWith(ImportMark.CONFLICT)) {
            stopReason = "another import of this file is running or ran meanwhile (" + r.message() + ")";
            t.notSent += batch.size();
        } else if (r.refusedForContent() && batch.size() > 1) {
            int mid = batch.size() / 2;
            send(table, batch.subList(0, mid));
            send(table, batch.subList(mid, batch.size()));
        } else if (r.refusedForContent()) {
            refusedIds.add(batch.get(0).id());
            bad(t, batch.get(0).id(), r.error() + ": " + r.message());
        } else if ("bad_table".equals(r.error())) {
            t.refusal = r.message();
            t.refused += batch.size();
            batch.forEach(p -> refusedIds.add(p.id()));
        } else {
            stopReason = r.error() + ": " + r.message();
            t.notSent += batch.size();
        }
    }

    private void bad(Tally t, long id, String why) {
        t.bad++;
        if (firstBad.size() < KEPT_BAD) {
            firstBad.add(new Bad(id, why));
        }
    }

    /** {@code table_name} as the agent's table: {@code database.table}, unless the old writer named a database. */
    String target(String table) {
        return table != null && table.contains(".") ? table : database + "." + table;
    }

    Map<String, Tally> tallies() {
        return tallies;
    }

    List<Bad> firstBad() {
        return List.copyOf(firstBad);
    }

    /** Ids the agent refused in this run (kept by {@code --delete-imported}). */
    Set<Long> refusedIds() {
        return Set.copyOf(refusedIds);
    }

    /** Why the file stopped early, or null. */
    String stopReason() {
        return stopReason;
    }

    long total(java.util.function.ToLongFunction<Tally> f) {
        return tallies.values().stream().mapToLong(f).sum();
    }
}
