package org.chspool.clickhouse;

/**
 * What a retried insert into one table can rely on, learned from the table's engine and settings (see
 * {@link TableGuaranteeProbe}) and shown per table in status and metrics. A retry always sends the same
 * block (frozen batches); whether ClickHouse drops the repeat depends on the table:
 */
public enum DeliveryGuarantee {
    /** A Replicated*MergeTree with a deduplication window: ClickHouse drops a repeated block on any replica. */
    REPLICATED("exactly-once (replicated)"),
    /** A MergeTree with {@code non_replicated_deduplication_window} on a server with {@code insert_deduplication_token}. */
    TOKEN("exactly-once (token)"),
    /** Dedupe keys configured ({@code CH_DEDUPE}): the agent asks ClickHouse for the keys before inserting. */
    DEDUPE_KEYS("exactly-once (dedupe keys)"),
    /** Nothing recognises a repeat: a batch whose answer was lost can be written twice. */
    AT_LEAST_ONCE("at-least-once"),
    /** Not known yet (no delivery so far, or the lookup failed). */
    UNKNOWN("unknown");

    private final String label;

    DeliveryGuarantee(String label) {
        this.label = label;
    }

    /** The text shown in status and metrics, e.g. {@code exactly-once (replicated)}. */
    public String label() {
        return label;
    }

    public boolean isExactlyOnce() {
        return this == REPLICATED || this == TOKEN || this == DEDUPE_KEYS;
    }
}
