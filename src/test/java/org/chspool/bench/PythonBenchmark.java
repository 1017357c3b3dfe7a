package org.chspool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.chspool.agent.SpoolAgent;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.TestConfigs;
import org.chspool.testing.TempTrees;

/**
 * {@code scripts/bench.sh python}: rows/s from Python ({@code clients/python/bench/bench_put.py}) into an
 * agent on a Unix socket with 1 and 8 threads, {@code put} vs {@code put_many(100)}, beside the
 * in-process writer's {@code put} ({@code src/test/resources/predecessor/ch_writer.py}) in the same run,
 * both delivering to the same ClickHouse ($CH_TEST_URL or a throwaway local server). Args are passed to
 * the script (e.g. {@code --rows 50000 --runs 5}).
 */
public final class PythonBenchmark {
    private PythonBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("chspool-python-bench");
        try (BenchClickHouse ch = new BenchClickHouse()) {
            ClickHouseEndpoint e = ch.endpoint;
            String db = ch.freshDatabase();
            try (SpoolAgent agent = SpoolAgent.start(TestConfigs.forDir(dir.resolve("agent"), "CH_URL", e.url(),
                    "CH_USER", e.user(), "CH_PASS", e.password() == null ? "" : e.password(), "CH_DB", db,
                    "CH_SOCKET", dir.resolve("agent").resolve("put.sock").toString()))) {
                List<String> cmd = new ArrayList<>(List.of("python3", "clients/python/bench/bench_put.py",
                        "--socket", agent.config().socketPath().toString(),
                        "--predecessor", Path.of("src/test/resources/predecessor").toAbsolutePath().toString(),
                        "--spool-root", dir.resolve("predecessor").toString(), "--db", db));
                cmd.addAll(List.of(args));
                ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
                pb.environment().put("CH_URL", e.url());
                pb.environment().put("CH_USER", e.user());
                pb.environment().put("CH_PASS", e.password() == null ? "" : e.password());
                pb.environment().put("SEED_OLD_CH", "1");
                int rc = pb.start().waitFor();
                if (rc != 0) {
                    throw new IllegalStateException("bench_put.py exited with " + rc);
                }
            }
        } finally {
            TempTrees.delete(dir);
        }
    }
}
