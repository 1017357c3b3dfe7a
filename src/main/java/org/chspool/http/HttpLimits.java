package org.chspool.http;

import java.nio.file.Path;
import org.chspool.config.AgentConfig;

/**
 * The endpoint's sizing, derived from the agent config (tests pass smaller values to reach the spill path
 * with small bodies).
 *
 * @param maxBodyBytes   CH_HTTP_MAX_BODY_BYTES: largest decompressed body
 * @param atomicRows     a request with at most this many rows and {@code atomicBytes} bytes is appended from
 *                       memory in one transaction; a larger one is spilled, staged in chunks and published at
 *                       once (all or nothing either way)
 * @param atomicBytes    see {@code atomicRows}
 * @param chunkRows      rows per transaction when a spilled request is staged
 * @param chunkBytes     bytes per transaction when a spilled request is staged
 * @param busyWaitMillis how long a request keeps retrying a busy spool before answering 503
 * @param spillDir       where spilled requests are staged (deleted after each request, emptied at start)
 * @param threads        handler threads: requests served at once (each may hold up to atomicBytes)
 */
record HttpLimits(long maxBodyBytes, int atomicRows, long atomicBytes, int chunkRows, long chunkBytes,
                  long busyWaitMillis, Path spillDir, int threads) {
    static final long MAX_ATOMIC_BYTES = 32L << 20;
    static final int THREADS = 8;
    static final long BUSY_WAIT_MS = 10_000;

    static HttpLimits from(AgentConfig c) {
        return new HttpLimits(c.httpMaxBodyBytes(), c.admissionQueueRows(),
                Math.min(MAX_ATOMIC_BYTES, c.admissionQueueBytes()),
                Math.max(1, Math.min(c.commitMaxRows(), c.admissionQueueRows() / 4)),
                Math.max(1024, Math.min(c.commitMaxBytes(), c.admissionQueueBytes() / 4)),
                BUSY_WAIT_MS, c.spoolDir().resolve("http-spill"), THREADS);
    }

    /** These limits with requests of more than {@code rows} rows spilled and staged (tests reach that path with small bodies). */
    HttpLimits withAtomicRows(int rows) {
        return new HttpLimits(maxBodyBytes, rows, atomicBytes, chunkRows, chunkBytes, busyWaitMillis, spillDir, threads);
    }

    /** These limits with a spilled request staged {@code rows} rows per transaction. */
    HttpLimits withChunkRows(int rows) {
        return new HttpLimits(maxBodyBytes, atomicRows, atomicBytes, rows, chunkBytes, busyWaitMillis, spillDir, threads);
    }

    /** These limits with spilled requests staged in {@code dir}. */
    HttpLimits withSpillDir(Path dir) {
        return new HttpLimits(maxBodyBytes, atomicRows, atomicBytes, chunkRows, chunkBytes, busyWaitMillis, dir, threads);
    }
}
