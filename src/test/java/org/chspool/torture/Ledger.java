package org.chspool.torture;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the torture clients were told, per row key: acknowledged ({@code ok}), rejected (a definite
 * error answer: nothing was spooled) or unknown (the connection broke or timed out: may or may not be
 * spooled). Keys are unique per row across the whole run. Thread-safe.
 */
public final class Ledger {
    private final Map<String, Set<Long>> acked = new ConcurrentHashMap<>();
    private final Map<String, Set<Long>> rejected = new ConcurrentHashMap<>();
    private final Map<String, Set<Long>> unknown = new ConcurrentHashMap<>();
    private final Map<String, Long> rejectionsByCode = new ConcurrentHashMap<>();
    private final Map<String, Set<Long>> ackedByPhase = new ConcurrentHashMap<>();
    private volatile String phase = "start";

    /** Names the phase that rows acknowledged from now on belong to (for attributing losses). */
    public void phase(String name) {
        phase = name;
    }

    /** Acknowledged keys per phase, in no particular table. */
    public Map<String, Set<Long>> ackedByPhase() {
        return ackedByPhase;
    }

    public void acked(String table, long[] keys) {
        add(acked, table, keys);
        add(ackedByPhase, phase, keys);
    }

    public void rejected(String table, long[] keys, String code) {
        add(rejected, table, keys);
        rejectionsByCode.merge(code, (long) keys.length, Long::sum);
    }

    public void unknown(String table, long[] keys) {
        add(unknown, table, keys);
    }

    private static void add(Map<String, Set<Long>> m, String table, long[] keys) {
        Set<Long> s = m.computeIfAbsent(table, t -> ConcurrentHashMap.newKeySet());
        for (long k : keys) {
            s.add(k);
        }
    }

    public Set<Long> acked(String table) {
        return acked.getOrDefault(table, Set.of());
    }

    public Set<Long> rejected(String table) {
        return rejected.getOrDefault(table, Set.of());
    }

    public Set<Long> unknown(String table) {
        return unknown.getOrDefault(table, Set.of());
    }

    public long ackedCount() {
        return acked.values().stream().mapToLong(Set::size).sum();
    }

    public long rejectedCount() {
        return rejected.values().stream().mapToLong(Set::size).sum();
    }

    public long unknownCount() {
        return unknown.values().stream().mapToLong(Set::size).sum();
    }

    public long rejectedWith(String code) {
        return rejectionsByCode.getOrDefault(code, 0L);
    }

    public Map<String, Long> rejectionsByCode() {
        return Map.copyOf(rejectionsByCode);
    }
}
