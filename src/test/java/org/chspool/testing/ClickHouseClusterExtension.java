package org.chspool.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives integration tests a replicated ClickHouse ({@link ClickHouseCluster}: one shard, two
 * replicas, one ZooKeeper) by parameter injection into test methods, lifecycle methods or
 * constructors:
 *
 * <pre>{@code
 * @ExtendWith(ClickHouseClusterExtension.class)
 * class FailoverIT {
 *     @Test void survivesReplicaCrash(ClickHouseCluster cluster) {
 *         cluster.createReplicatedTable("failover_it", "t", "id UInt64", "id");
 *         cluster.replica(1).kill();
 *         ...
 *         cluster.replica(1).start();
 *         cluster.syncReplicas("failover_it", "t");
 *         cluster.awaitCount("failover_it.t", 1000, Duration.ofSeconds(30));
 *     }
 * }
 * }</pre>
 *
 * <p>Where the cluster comes from: env {@value ClickHouseCluster#ENV_URLS} (replica URLs of one
 * shard; cluster name from {@value ClickHouseCluster#ENV_CLUSTER_NAME}, default
 * {@value ClickHouseCluster#CLUSTER_NAME}), else a local one started from the installed
 * {@code clickhouse-server} package. When neither works every test that asks for the cluster FAILS
 * (never skips) with a message saying how to get one. On an external cluster, killing or
 * restarting a replica fails the test with an explanation.
 *
 * <p>One cluster per JVM, started lazily and closed when the JUnit root context closes (an
 * {@link AutoCloseable} in the root store); a failed start is remembered. Test classes share it, so
 * give each its own database. After each test, replicas that the test killed or stopped and did
 * not start again are started, so the next test finds the whole cluster up.
 */
public final class ClickHouseClusterExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ClickHouseClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ClickHouseCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return cluster(extensionContext);
    }

    /**
     * The JVM-wide cluster, starting it on first use.
     *
     * @throws ParameterResolutionException when no cluster can be had, saying how to get one
     */
    public static ClickHouseCluster cluster(ExtensionContext context) {
        Shared shared = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Shared.class, k -> Shared.acquire(), Shared.class);
        if (shared.failure != null) {
            throw new ParameterResolutionException(shared.failure);
        }
        return shared.cluster;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Shared shared = context.getRoot().getStore(NAMESPACE).get(Shared.class, Shared.class);
        if (shared != null && shared.cluster != null) {
            shared.cluster.startStoppedReplicas();
        }
    }

    /** The store value: a cluster or why there is none. */
    private static final class Shared implements AutoCloseable {
        final ClickHouseCluster cluster;
        final String failure;

        private Shared(ClickHouseCluster cluster, String failure) {
            this.cluster = cluster;
            this.failure = failure;
        }

        static Shared acquire() {
            String urls = System.getenv(ClickHouseCluster.ENV_URLS);
            if (urls != null && !urls.isBlank()) {
                ClickHouseCluster external;
                try {
                    external = ClickHouseCluster.external(urls, System.getenv(ClickHouseCluster.ENV_CLUSTER_NAME));
                } catch (RuntimeException e) {
                    return failed(ClickHouseCluster.ENV_URLS + "=" + urls + " is not a list of URLs: "
                            + e.getMessage());
                }
                for (ClusterReplica r : external.replicas()) {
                    if (!r.endpoint().ping()) {
                        return failed(ClickHouseCluster.ENV_URLS + " is set but " + r.endpoint().url()
                                + "/ping does not answer.");
                    }
                }
                return new Shared(external, null);
            }
            try {
                return new Shared(ClickHouseCluster.startLocal(), null);
            } catch (Exception e) {
                return failed("starting a local cluster failed: " + e.getMessage());
            }
        }

        private static Shared failed(String why) {
            return new Shared(null, "Cluster integration tests need a replicated ClickHouse. " + why
                    + " Fix: `apt-get install clickhouse-server` (the tests start ZooKeeper and two replicas"
                    + " themselves), or set " + ClickHouseCluster.ENV_URLS
                    + "=http://host1:8123,http://host2:8123 (replicas of one shard with {shard}/{replica} macros).");
        }

        @Override
        public void close() {
            if (cluster != null) {
                cluster.close();
            }
        }
    }
}
