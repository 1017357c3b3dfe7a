package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of the HTTP insert endpoint, for metrics and tests: requests, committed inserts and
 * rows, and error responses by ClickHouse code (an insert is all or nothing: no partial inserts). Lock-free:
 * handler threads add, any thread reads.
 */
public final class HttpCounters {
    private final LongAdder requests = new LongAdder();
    private final LongAdder inserts = new LongAdder();
    private final LongAdder rowsAccepted = new LongAdder();
    private final Map<ClickHouseCode, LongAdder> errors;

    HttpCounters() {
        EnumMap<ClickHouseCode, LongAdder> m = new EnumMap<>(ClickHouseCode.class);
        for (ClickHouseCode c : ClickHouseCode.values()) {
            m.put(c, new LongAdder());
        }
        errors = Collections.unmodifiableMap(m);
    }

    void request() {
        requests.increment();
    }

    void inserted(long rows) {
        inserts.increment();
        rowsAccepted.add(rows);
    }


    void error(ClickHouseCode code) {
        errors.get(code).increment();
    }

    /** HTTP requests received (every path and method). */
    public long requests() {
        return requests.sum();
    }

    /** INSERT requests answered 200 (every row committed). */
    public long inserts() {
        return inserts.sum();
    }

    /** Rows committed to the spool through this endpoint. */
    public long rowsAccepted() {
        return rowsAccepted.sum();
    }


    /** Error responses sent with {@code code}. */
    public long errors(ClickHouseCode code) {
        return errors.get(code).sum();
    }

    /** Error responses by code, a snapshot: every code the endpoint answers with (zeros too), and any other sent. */
    public Map<ClickHouseCode, Long> errors() {
        EnumMap<ClickHouseCode, Long> out = new EnumMap<>(ClickHouseCode.class);
        errors.forEach((k, v) -> {
            long n = v.sum();
            if (n > 0 || AnswerCodes.all().contains(k)) {
                out.put(k, n);
            }
        });
        return out;
    }
}
