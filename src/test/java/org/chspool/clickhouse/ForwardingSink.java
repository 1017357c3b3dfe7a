package org.chspool.clickhouse;

import java.util.List;

/**
 * A sink that passes every call to another (a {@link FakeServerSink} in tests); a test overrides the one
 * call whose behaviour it changes (an insert that is held, or that throws).
 */
public abstract class ForwardingSink<S extends SingleServerSink> implements SingleServerSink {
    /** The sink every call goes to unless overridden; tests read what it received. */
    public final S server;

    protected ForwardingSink(S server) {
        this.server = server;
    }

    @Override
    public ServerCapabilities probe() throws ClickHouseFailure {
        return server.probe();
    }

    @Override
    public void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip, String insertToken)
            throws ClickHouseFailure {
        server.insert(database, table, form, payloads, skip, insertToken);
    }

    @Override
    public String select(String sql) throws ClickHouseFailure {
        return server.select(sql);
    }

    @Override
    public ServerCapabilities capabilities() {
        return server.capabilities();
    }

    @Override
    public void close() {
        server.close();
    }
}
