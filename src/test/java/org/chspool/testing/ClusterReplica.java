package org.chspool.testing;

/**
 * One replica of a {@link ClickHouseCluster}: its HTTP endpoint and, for a cluster the tests started
 * themselves, its process lifecycle. Restarting keeps the ports and the data dir, as a real server's
 * restart after a crash would.
 *
 * <p>Threading: the lifecycle methods of one replica are serialized (a test may kill a replica
 * while other threads are inserting); {@link #endpoint()} is thread-safe.
 */
public interface ClusterReplica {
    /** {@code r1}, {@code r2}, ...: the {@code {replica}} macro of a local cluster, or the URL of an external one. */
    String name();

    /** HTTP endpoint; it keeps its URL across restarts. */
    ClickHouseEndpoint endpoint();

    /** Whether the server process runs (local) or answers {@code /ping} (external). */
    boolean isRunning();

    /**
     * SIGKILL, like a crash: no shutdown, the data dir and the server's ZooKeeper session linger
     * (the session expires after {@link ClickHouseCluster#SESSION_TIMEOUT_MS}). Waits for the exit.
     *
     * @throws UnsupportedOperationException on an external cluster
     */
    void kill();

    /**
     * Graceful stop (SIGTERM, SIGKILL after 10 s). Waits for the exit.
     *
     * @throws UnsupportedOperationException on an external cluster
     */
    void stop();

    /**
     * Starts the server again on the same ports and data dir and waits until {@code /ping} answers.
     * Its replicated tables may stay read-only for a few seconds more, see
     * {@link ClickHouseCluster#awaitReplicasActive}.
     *
     * @throws IllegalStateException when it is already running
     * @throws UnsupportedOperationException on an external cluster
     */
    void start();
}
