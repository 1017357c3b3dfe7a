package org.chspool.clickhouse;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a target table's {@link DeliveryGuarantee} from the server: {@code system.tables} (engine and
 * {@code engine_full}, which carries the table's SETTINGS; both exist since before 18.16) and the server's
 * defaults in {@code system.merge_tree_settings}. A {@code Distributed} table is judged by the local table
 * it forwards to (inserts into it are synchronous, see {@link ClickHouseSink}), unless its sharding key is
 * random: then a retried block is split into other per-shard blocks and cannot be recognised.
 *
 * <p>Threading: like the {@link PooledSink} it queries through, one thread at a time. The engine is
 * asked of whichever server the pool picks; replicas of one shard have the same tables.
 */
public final class TableGuaranteeProbe {
    private static final Pattern DISTRIBUTED_ARGS = Pattern.compile(
            "^Distributed\\(\\s*'?([^,']*)'?\\s*,\\s*'?([^,']*)'?\\s*,\\s*'?([^,')\\s]*)'?");

    private final PooledSink sink;

    public TableGuaranteeProbe(PooledSink sink) {
        this.sink = sink;
    }

    /** A table's engine name and full engine clause as {@code system.tables} shows them. */
    record Engine(String name, String full) {}

    /**
     * The guarantee for {@code database.table}; {@link DeliveryGuarantee#UNKNOWN} when the table does not
     * exist (yet).
     *
     * @param dedupeKeys whether dedupe keys are configured for the table
     * @throws ClickHouseFailure when the server cannot be asked
     */
    public DeliveryGuarantee guaranteeOf(String database, String table, boolean dedupeKeys) throws ClickHouseFailure {
        Engine engine = engine(database, table);
        if (engine == null) {
            return DeliveryGuarantee.UNKNOWN;
        }
        Engine local = null;
        if (engine.name().equals("Distributed")) {
            Matcher m = DISTRIBUTED_ARGS.matcher(engine.full());
            if (m.find()) {
                String db = m.group(2).isEmpty() || m.group(2).contains("(") ? database : m.group(2);
                local = engine(db, m.group(3));
            }
        }
        ServerCapabilities caps = sink.capabilities();
        return classify(engine, local, mergeTreeDefaults(), caps != null && caps.supportsInsertDeduplicationToken(),
                dedupeKeys);
    }

    /**
     * The rule, on its own for tests: replicated (with a deduplication window) beats a token, which beats
     * dedupe keys; anything else is at-least-once.
     *
     * @param local for a Distributed table, the local table it forwards to (null when unknown)
     */
    static DeliveryGuarantee classify(Engine engine, Engine local, Map<String, Long> defaults, boolean serverHasTokens,
                                      boolean dedupeKeys) {
        boolean distributed = engine.name().equals("Distributed");
        if (distributed && engine.full().matches("(?s).*\\b(rand|rand64|randConstant|generateUUIDv4|now)\\s*\\(.*")) {
            return dedupeKeys ? DeliveryGuarantee.DEDUPE_KEYS : DeliveryGuarantee.AT_LEAST_ONCE; // a retry splits differently
        }
        Engine judged = distributed ? local : engine;
        if (judged != null && judged.name().startsWith("Replicated") && judged.name().endsWith("MergeTree")
                && setting(judged, "replicated_deduplication_window", defaults.getOrDefault("replicated_deduplication_window", 100L)) > 0) {
            return DeliveryGuarantee.REPLICATED;
        }
        if (judged != null && serverHasTokens && judged.name().endsWith("MergeTree")
                && setting(judged, "non_replicated_deduplication_window", defaults.getOrDefault("non_replicated_deduplication_window", 0L)) > 0) {
            return DeliveryGuarantee.TOKEN;
        }
        return dedupeKeys ? DeliveryGuarantee.DEDUPE_KEYS : DeliveryGuarantee.AT_LEAST_ONCE;
    }

    /** A numeric setting from the table's SETTINGS clause, else {@code otherwise} (the server's default). */
    static long setting(Engine e, String name, long otherwise) {
        Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*'?(\\d+)").matcher(e.full());
        return m.find() ? Long.parseLong(m.group(1)) : otherwise;
    }

    private Engine engine(String database, String table) throws ClickHouseFailure {
        String text = sink.select("SELECT engine, engine_full FROM system.tables WHERE database = "
                + Sql.stringLiteral(database) + " AND name = " + Sql.stringLiteral(table) + " FORMAT TabSeparated");
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                String[] f = line.split("\t", -1);
                return new Engine(Sql.unescapeTsv(f[0]), f.length > 1 ? Sql.unescapeTsv(f[1]) : "");
            }
        }
        return null;
    }

    private Map<String, Long> mergeTreeDefaults() throws ClickHouseFailure {
        Map<String, Long> out = new HashMap<>();
        String text = sink.select("SELECT name, value FROM system.merge_tree_settings WHERE name IN"
                + " ('replicated_deduplication_window', 'non_replicated_deduplication_window') FORMAT TabSeparated");
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseLong(f[1].trim()));
                } catch (NumberFormatException e) {
                    // a value we do not understand: keep the documented default
                }
            }
        }
        return out;
    }
}
