package org.chspool.ingest;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of the put protocol, for the metrics endpoint and tests: connections, requests,
 * acknowledged rows, error responses by code, and Unix-socket connections by the peer's user. Lock-free:
 * the I/O threads add, any thread reads.
 */
public final class IngestCounters {
    /** Most distinct users counted by name; connections of further users are counted under {@link #OTHER_USERS}. */
    static final int MAX_USERS = 64;
    static final String OTHER_USERS = "other";

    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder connectionsClosed = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder rowsAccepted = new LongAdder();
    private final LongAdder heldForRoom = new LongAdder();
    private final Map<ErrorCode, LongAdder> errors;
    private final Map<String, LongAdder> unixByUser = new ConcurrentHashMap<>();

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

    /** A Unix-socket connection from {@code user} (see {@link UnixPeer}); at most {@link #MAX_USERS} names are kept. */
    void unixConnectionFrom(String user) {
        LongAdder n = unixByUser.get(user);
        if (n == null) {
            n = unixByUser.size() < MAX_USERS ? unixByUser.computeIfAbsent(user, u -> new LongAdder())
                    : unixByUser.computeIfAbsent(OTHER_USERS, u -> new LongAdder());
        }
        n.increment();
    }

    void request() {
        requests.increment();
    }

    void putHeldForRoom() {
        heldForRoom.increment();
    }

    /** Puts held until the spool writer's queue had room (their connection stopped being read meanwhile). */
    public long putsHeldForRoom() {
        return heldForRoom.sum();
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

    /** Unix-socket connections accepted since start by the peer's user name (or uid), sorted by user; a snapshot. */
    public Map<String, Long> unixConnectionsByUser() {
        Map<String, Long> out = new TreeMap<>();
        unixByUser.forEach((k, v) -> out.put(k, v.sum()));
        return out;
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
