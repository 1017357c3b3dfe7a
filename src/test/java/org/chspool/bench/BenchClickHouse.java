package org.chspool.bench;

import java.io.IOException;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.LocalClickHouseServer;

/** The ClickHouse a benchmark runs against: $CH_TEST_URL, or a throwaway local server. */
final class BenchClickHouse implements AutoCloseable {
    final ClickHouseEndpoint endpoint;
    private final LocalClickHouseServer server;

    BenchClickHouse() throws IOException {
        String url = System.getenv("CH_TEST_URL");
        if (url != null && !url.isBlank()) {
            server = null;
            endpoint = ClickHouseEndpoint.parse(url);
        } else {
            server = LocalClickHouseServer.startInstalled();
            endpoint = server.endpoint();
        }
    }

    /** Creates a fresh database with the benchmark table and returns its name. */
    String freshDatabase() {
        String db = endpoint.createDatabase("bench_" + Long.toHexString(System.nanoTime()));
        endpoint.exec("CREATE TABLE " + db + ".bench (id UInt64, ts DateTime, host String, level String, v UInt32,"
                + " msg String, code UInt16) ENGINE = MergeTree ORDER BY id");
        return db;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
