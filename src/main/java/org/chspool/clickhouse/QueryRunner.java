package org.chspool.clickhouse;

/**
 * Runs a read query against ClickHouse and returns its text: what {@link DedupeProbe} needs. Both a
 * single server's {@link ClickHouseSink} and a {@link PooledSink} (which fails over among servers)
 * are one. Implementations state their own threading contract.
 */
public interface QueryRunner {
    /**
     * Runs {@code sql} (which names its output format, e.g. {@code FORMAT TabSeparated}) and returns
     * the response body.
     *
     * @throws ClickHouseFailure classified like an insert's failure
     */
    String select(String sql) throws ClickHouseFailure;
}
