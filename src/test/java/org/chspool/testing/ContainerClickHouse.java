package org.chspool.testing;

import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A ClickHouse server in a Testcontainers container, the last resort of
 * {@link ClickHouseServerExtension} when there is neither {@code CH_TEST_URL} nor a local binary.
 * Not thread-safe; one per JVM, closed with the JUnit root context.
 */
final class ContainerClickHouse implements AutoCloseable {
    static final String IMAGE = "clickhouse/clickhouse-server:25.8";
    private static final int HTTP_PORT = 8123;

    private final GenericContainer<?> container;
    private final ClickHouseEndpoint endpoint;

    private ContainerClickHouse(GenericContainer<?> container) {
        this.container = container;
        this.endpoint = new ClickHouseEndpoint(
                "http://" + container.getHost() + ":" + container.getMappedPort(HTTP_PORT), "default", "");
    }

    /** Whether a Docker daemon answers; false (never an exception) when it does not. */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // closed by close()
    static ContainerClickHouse start() {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withExposedPorts(HTTP_PORT)
                // lets user "default" with an empty password connect from outside the container
                .withEnv("CLICKHOUSE_SKIP_USER_SETUP", "1")
                .waitingFor(Wait.forHttp("/ping").forPort(HTTP_PORT).withStartupTimeout(Duration.ofMinutes(2)));
        c.start();
        return new ContainerClickHouse(c);
    }

    ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        container.stop();
    }
}
