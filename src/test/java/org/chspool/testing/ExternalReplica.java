package org.chspool.testing;

/**
 * A replica of a cluster the tests did not start ({@value ClickHouseCluster#ENV_URLS}): queries
 * only; killing, stopping and starting fail, so a test that needs them fails loudly instead of
 * silently testing less. Immutable and thread-safe.
 */
final class ExternalReplica implements ClusterReplica {
    private final ClickHouseEndpoint endpoint;

    ExternalReplica(ClickHouseEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public String name() {
        return endpoint.url();
    }

    @Override
    public ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public boolean isRunning() {
        return endpoint.ping();
    }

    @Override
    public void kill() {
        throw unsupported("kill");
    }

    @Override
    public void stop() {
        throw unsupported("stop");
    }

    @Override
    public void start() {
        throw unsupported("start");
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("cannot " + what + " replica " + endpoint.url() + ": it belongs to"
                + " the external cluster named by " + ClickHouseCluster.ENV_URLS + ". This test needs a cluster"
                + " whose processes it controls; unset " + ClickHouseCluster.ENV_URLS
                + " to let the tests start their own (needs the clickhouse-server package).");
    }

    @Override
    public String toString() {
        return "external replica " + endpoint.url();
    }
}
