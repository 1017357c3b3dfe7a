package org.chspool.torture;

import java.util.HashSet;
import java.util.Set;
import org.chspool.testing.ClickHouseEndpoint;

/**
 * Compares the {@link Ledger} with what ClickHouse holds, per table: acknowledged rows missing (lost),
 * rejected rows present (a refusal that spooled something), copies beyond the first (duplicated).
 * Reads keys over HTTP with the test's own client, never through the code under test.
 */
public final class LedgerCheck {
    public record Outcome(long acked, long delivered, long distinct, long lost, long duplicated, long rejectedButDelivered,
                   long unknownDelivered, long firstLost, Set<Long> present) {}

    private LedgerCheck() {}

    public static Outcome check(ClickHouseEndpoint ch, String db, String table, String keyExpr, Ledger ledger) {
        Set<Long> present = new HashSet<>();
        long total = 0;
        for (String line : ch.query("SELECT " + keyExpr + " FROM " + db + "." + table + " FORMAT TSV").split("\n")) {
            if (!line.isEmpty()) {
                present.add(Long.parseLong(line));
                total++;
            }
        }
        long lost = 0;
        long firstLost = -1;
        for (long k : ledger.acked(table)) {
            if (!present.contains(k)) {
                lost++;
                firstLost = firstLost < 0 ? k : Math.min(firstLost, k);
            }
        }
        long rejectedDelivered = ledger.rejected(table).stream().filter(present::contains).count();
        long unknownDelivered = ledger.unknown(table).stream().filter(present::contains).count();
        return new Outcome(ledger.acked(table).size(), total, present.size(), lost, total - present.size(),
                rejectedDelivered, unknownDelivered, firstLost, present);
    }

    /** Distinct keys in ClickHouse right now (cheap; for waiting until delivery has caught up). */
    public static long distinct(ClickHouseEndpoint ch, String db, String table, String keyExpr) {
        return Long.parseLong(ch.query("SELECT uniqExact(" + keyExpr + ") FROM " + db + "." + table).trim());
    }
}
