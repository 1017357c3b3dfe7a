package org.chspool.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives integration tests a real ClickHouse over HTTP, by parameter injection of
 * {@link ClickHouseEndpoint} into test methods, lifecycle methods or constructors:
 *
 * <pre>{@code
 * @ExtendWith(ClickHouseServerExtension.class)
 * class SinkIT {
 *     @Test void insertLands(ClickHouseEndpoint ch) { ... ch.count("db.t") ... }
 * }
 * }</pre>
 *
 * <p>Where the server comes from, first that works:
 * <ol>
 *   <li>env {@code CH_TEST_URL}, e.g. {@code http://user:pass@host:8123} or {@code http://host:8123};
 *   <li>a local {@code clickhouse-server} binary (Debian package {@code clickhouse-server}),
 *       started in a temp dir on free loopback ports ({@link LocalClickHouseServer});
 *   <li>Testcontainers with {@value ContainerClickHouse#IMAGE} when Docker answers.
 * </ol>
 * When none is available every test that asks for an endpoint FAILS (never skips) with a message
 * saying how to get one.
 *
 * <p>The server is started once per JVM, lazily, and stopped when the JUnit root context closes
 * (it is an {@link AutoCloseable} value in the root store). A failed start is remembered, so later
 * tests fail at once with the same message instead of waiting again. Tests share the one server:
 * give each test class its own database ({@link ClickHouseEndpoint#createDatabase}).
 */
public final class ClickHouseServerExtension implements ParameterResolver {
    /** Env var naming an existing server; wins over everything else. */
    public static final String ENV_URL = "CH_TEST_URL";

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ClickHouseServerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ClickHouseEndpoint.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return endpoint(extensionContext);
    }

    /**
     * The JVM-wide endpoint, starting a server on first use.
     *
     * @throws ParameterResolutionException when no ClickHouse can be had, saying how to get one
     */
    public static ClickHouseEndpoint endpoint(ExtensionContext context) {
        Server server = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Server.class, k -> Server.acquire(), Server.class);
        if (server.failure != null) {
            throw new ParameterResolutionException(server.failure);
        }
        return server.endpoint;
    }

    /** The store value: either an endpoint (with what to close) or why there is none. */
    private static final class Server implements AutoCloseable {
        final ClickHouseEndpoint endpoint;
        final AutoCloseable owned;
        final String failure;

        private Server(ClickHouseEndpoint endpoint, AutoCloseable owned, String failure) {
            this.endpoint = endpoint;
            this.owned = owned;
            this.failure = failure;
        }

        static Server acquire() {
            String url = System.getenv(ENV_URL);
            if (url != null && !url.isBlank()) {
                ClickHouseEndpoint e = ClickHouseEndpoint.parse(url);
                if (!e.ping()) {
                    return failed(ENV_URL + " is set but " + e.url() + "/ping does not answer.");
                }
                return new Server(e, null, null);
            }
            Path binary = LocalClickHouseServer.findBinary();
            if (binary != null) {
                try {
                    LocalClickHouseServer local = LocalClickHouseServer.start(binary);
                    return new Server(local.endpoint(), local, null);
                } catch (Exception e) {
                    return failed("starting local " + binary + " failed: " + e.getMessage());
                }
            }
            if (ContainerClickHouse.dockerAvailable()) {
                try {
                    ContainerClickHouse c = ContainerClickHouse.start();
                    return new Server(c.endpoint(), c, null);
                } catch (RuntimeException e) {
                    return failed("starting " + ContainerClickHouse.IMAGE + " failed: " + e);
                }
            }
            return failed("no ClickHouse found: " + ENV_URL + " unset, no clickhouse-server binary at "
                    + LocalClickHouseServer.BINARIES + ", no Docker.");
        }

        private static Server failed(String why) {
            return new Server(null, null, "Integration tests need a real ClickHouse. " + why
                    + " Fix: `apt-get install clickhouse-server` (the tests start their own instance),"
                    + " or set " + ENV_URL + "=http://user:pass@host:8123.");
        }

        @Override
        public void close() throws Exception {
            if (owned != null) {
                owned.close();
            }
        }
    }
}
