package org.chspool.clickhouse;

import java.util.List;

/**
 * What a {@link PooledSink} needs from its connection to one server: {@link ClickHouseSink} in the
 * agent, a scripted fake in unit tests of the pool's policy. One thread at a time (the owning
 * {@link PooledSink}'s), except {@link #capabilities()}, which any thread may read.
 */
public interface SingleServerSink extends QueryRunner, AutoCloseable {
    /** Learns and remembers the server's version and settings. */
    ServerCapabilities probe() throws ClickHouseFailure;

    /** Inserts compact JSON objects (JSONEachRow) in one request; see the six-argument insert. */
    default void insert(String database, String table, List<byte[]> payloads, String insertToken) throws ClickHouseFailure {
        insert(database, table, InsertForm.JSON_EACH_ROW, payloads, 0, insertToken);
    }

    /**
     * Inserts rows of one form in one request; see {@link ClickHouseSink#insert(String, String, InsertForm, List, int, String)}.
     *
     * @param skip bytes at the head of every payload that are not the row's (the spool's tag)
     */
    void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip, String insertToken)
            throws ClickHouseFailure;

    /** What the last successful probe learned; null before one. */
    ServerCapabilities capabilities();

    @Override
    void close();
}
