package org.chspool.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends numbered rows in batches and accounts for every line. A batch refused for its content
 * ({@code bad_json}, {@code bad_request}, {@code too_large}) is split in halves until the bad lines are
 * found, so one bad line does not cost the good ones; {@code busy} is retried after the agent's hint;
 * {@code spool_full}, {@code shutting_down}, {@code unauthorized}, {@code io_error} stop the upload (the
 * rest is counted as not sent). Not thread-safe.
 */
final class RowUploader {
    static final int MAX_ROWS = 1000;
    static final long MAX_BYTES = 1 << 20;
    static final int KEPT_REJECTIONS = 10;
    private static final int BUSY_RETRIES = 100;

    /** A line of input: its number (from 1) and its text. */
    record Line(long number, String text) {}

    /** A refused line. */
    record Rejected(long line, String error, String message) {}

    private final PutConnection conn;
    private final String table;
    private final List<Line> pending = new ArrayList<>();
    private final List<Rejected> firstRejections = new ArrayList<>();
    private long pendingBytes;
    private long accepted;
    private long rejected;
    private long notSent;
    private String stopReason;

    RowUploader(PutConnection conn, String table) {
        this.conn = conn;
        this.table = table;
    }

    void add(Line line) throws IOException, InterruptedException {
        if (stopReason != null) {
            notSent++;
            return;
        }
        pending.add(line);
        pendingBytes += line.text().length() + 1;
        if (pending.size() >= MAX_ROWS || pendingBytes >= MAX_BYTES) {
            flush();
        }
    }

    /** A line refused before sending (not a JSON object). */
    void rejectLocally(long line, String error, String message) {
        reject(new Rejected(line, error, message));
    }

    void flush() throws IOException, InterruptedException {
        if (!pending.isEmpty()) {
            List<Line> batch = List.copyOf(pending);
            pending.clear();
            pendingBytes = 0;
            send(batch);
        }
    }

    private void send(List<Line> batch) throws IOException, InterruptedException {
        if (stopReason != null) {
            notSent += batch.size();
            return;
        }
        List<String> texts = batch.stream().map(Line::text).toList();
        PutConnection.Reply r = PutConnection.sendWhileBusy(() -> conn.send(table, texts), BUSY_RETRIES);
        if (r.ok()) {
            accepted += r.n();
        } else if (r.refusedForContent() && batch.size() > 1) {
            int mid = batch.size() / 2;
            send(batch.subList(0, mid));
            send(batch.subList(mid, batch.size()));
        } else if (r.refusedForContent() || "bad_table".equals(r.error())) {
            for (Line l : batch) {
                reject(new Rejected(l.number(), r.error(), r.message()));
            }
        } else {
            stopReason = r.error() + ": " + r.message();
            notSent += batch.size();
        }
    }

    private void reject(Rejected r) {
        rejected++;
        if (firstRejections.size() < KEPT_REJECTIONS) {
            firstRejections.add(r);
        }
    }

    long accepted() {
        return accepted;
    }

    long rejected() {
        return rejected;
    }

    long notSent() {
        return notSent;
    }

    /** Why the upload stopped early, or null. */
    String stopReason() {
        return stopReason;
    }

    List<Rejected> firstRejections() {
        return List.copyOf(firstRejections);
    }
}
