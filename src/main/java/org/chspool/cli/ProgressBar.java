package org.chspool.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.chspool.spool.Bytes;

/**
 * A one-line progress bar on stderr ({@code [#####-----]  52%  14.1 MiB / 27.0 MiB  120,000 rows}),
 * redrawn at most every {@link #EVERY_NANOS}. Not thread-safe.
 */
final class ProgressBar {
    private static final long EVERY_NANOS = 250_000_000L;
    private static final int CELLS = 30;

    private final PrintWriter err;
    private final long total;
    private long lastDraw;

    ProgressBar(PrintWriter err, long totalBytes) {
        this.err = err;
        this.total = Math.max(1, totalBytes);
    }

    void update(long doneBytes, long rows) {
        long now = System.nanoTime();
        if (now - lastDraw < EVERY_NANOS) {
            return;
        }
        lastDraw = now;
        draw(doneBytes, rows);
    }

    void finish(long doneBytes, long rows) {
        draw(doneBytes, rows);
        err.println();
        err.flush();
    }

    private void draw(long done, long rows) {
        double f = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(f * CELLS);
        err.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %s / %s  %,d rows", "#".repeat(filled),
                "-".repeat(CELLS - filled), f * 100, Bytes.human(done), Bytes.human(total), rows));
        err.flush();
    }
}
