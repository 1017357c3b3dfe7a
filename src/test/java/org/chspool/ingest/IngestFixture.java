package org.chspool.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.chspool.config.AgentConfig;
import org.chspool.config.ConfigLoader;
import org.chspool.spool.SpoolBatch;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;

/**
 * A real spool in a temp dir with a {@link SocketServer} on a Unix socket and a TCP port 0, for tests.
 * TCP needs a token, {@link #TOKEN} unless the test sets its own {@code CH_AUTH_TOKEN};
 * {@link #tcpClient()} sends it first, {@link #unauthenticatedTcpClient()} does not. Close it to stop both.
 */
final class IngestFixture implements AutoCloseable {
    static final String TOKEN = "ingest-test-token";

    final AgentConfig config;
    final Spool spool;
    final SocketServer server;
    final int tcpPort;

    private IngestFixture(AgentConfig config, ConnectionLimits limits) throws IOException {
        this.config = config;
        this.spool = Spool.open(config);
        this.server = new SocketServer(config, spool, 2, limits);
        this.tcpPort = server.start();
    }

    static IngestFixture start(Path dir, String... env) throws Exception {
        return start(dir, ConnectionLimits.DEFAULT, env);
    }

    static IngestFixture start(Path dir, ConnectionLimits limits, String... env) throws Exception {
        return new IngestFixture(config(dir, env), limits);
    }

    static AgentConfig config(Path dir, String... env) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("CH_SPOOL_DIR", dir.toString());
        m.put("CH_SOCKET", dir.resolve("put.sock").toString());
        m.put("CH_LISTEN", "127.0.0.1:0");
        m.put("CH_AUTH_TOKEN", TOKEN);
        for (int i = 0; i < env.length; i += 2) {
            m.put(env[i], env[i + 1]);
        }
        return ConfigLoader.fromEnv(m);
    }

    Path socket() {
        return config.socketPath();
    }

    LineClient unixClient() throws IOException {
        return LineClient.unix(socket());
    }

    /** A TCP client that has sent the token ({@code {"auth":…}}) and read its {@code {"ok":true}}. */
    LineClient tcpClient() throws IOException {
        LineClient c = LineClient.tcp(tcpPort);
        String answer = c.call(LineClient.authLine(config.authToken().reveal()));
        if (!"{\"ok\":true}".equals(answer)) {
            c.close();
            throw new IOException("the fixture's token was refused: " + answer);
        }
        return c;
    }

    /** A TCP client that has sent nothing yet. */
    LineClient unauthenticatedTcpClient() throws IOException {
        return LineClient.tcp(tcpPort);
    }

    /** Rows committed for {@code table} (in the default database), oldest first, as UTF-8 text. */
    List<String> rows(String table) throws Exception {
        SpoolBatch b = spool.reader().oldest(TableName.parse(table, config.database(), config.allowedDatabases()),
                1_000_000, Long.MAX_VALUE);
        return b.payloads().stream().map(p -> new String(p, java.nio.charset.StandardCharsets.UTF_8)).toList();
    }

    @Override
    public void close() throws IOException {
        server.close();
        spool.close();
    }
}
