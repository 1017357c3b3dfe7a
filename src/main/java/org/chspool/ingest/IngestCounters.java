package org.chspool.ingest;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of the put protocol, for the metrics endpoint and tests: connections, requests,
 * acknowledged rows and error responses by code. Lock-free: the I/O threads add, any thread reads.
 */
public final class IngestCounters {
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder connectionsClosed = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder rowsAccepted = new LongAdder();
    private final Map<ErrorCode, LongAdder> errors;

    IngestCounters() {
        EnumMap<ErrorCode, LongAdder> m = new EnumMap<>(ErrorCode.class);
        for (ErrorCode c : ErrorCode.values()) {
            m.put(c, new LongAdder());
        }
        errors = Collections.unmodifiableMap(m);
    }

    void connectionOpened() {
        connectionsOpened.increment();
    }

    void connectionClosed() {
        connectionsClosed.increment();
    }

    void request() {
        requests.increment();
    }

    void accepted(int rows) {
        rowsAccepted.add(rows);
    }

    void error(ErrorCode code) {
        errors.get(code).increment();
    }

    /** Connections accepted since start. */
    public long connectionsOpened() {
        return connectionsOpened.sum();
    }

    /** Connections open now. */
    public long connectionsOpen() {
        return connectionsOpened.sum() - connectionsClosed.sum();
    }

    /** Request lines received (empty lines excluded). */
    public long requests() {
        return requests.sum();
    }

    /** Rows acknowledged with {@code "ok":true} (committed to the spool). */
    public long rowsAccepted() {
        return rowsAccepted.sum();
    }

    /** Error responses sent with {@code code}. */
    public long errors(ErrorCode code) {
        return errors.get(code).sum();
    }

    /** Error responses by code, a snapshot. */
    public Map<ErrorCode, Long> errors() {
        EnumMap<ErrorCode, Long> out = new EnumMap<>(ErrorCode.class);
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
