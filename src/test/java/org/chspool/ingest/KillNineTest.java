package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.chspool.client.SpoolClient;
import org.chspool.client.SpoolException;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL of the agent while clients stream: every row that got ok is in the spool afterwards. */
@Timeout(120)
class KillNineTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRowSurvivesKillNine() throws Exception {
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), IngestChildAgent.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("READY")) {
                // skip log lines until the agent is listening
            }
            assertEquals("READY", line);
            CountDownLatch enoughAcked = new CountDownLatch(2000);
            Thread[] streams = new Thread[4];
            for (int t = 0; t < streams.length; t++) {
                int thread = t;
                streams[t] = new Thread(() -> stream(thread, acked, enoughAcked));
                streams[t].start();
            }
            enoughAcked.await();
            agent.destroyForcibly().waitFor();
            for (Thread t : streams) {
                t.join();
            }
        } finally {
            agent.destroyForcibly().waitFor();
        }
        AgentConfig config = IngestFixture.config(dir, "CH_LISTEN", "");
        try (Spool spool = Spool.open(config)) {
            Set<String> spooled = new HashSet<>();
            for (byte[] p : spool.reader().oldest(TableName.parse("t", "default", Set.of("default")), 10_000_000,
                    Long.MAX_VALUE).payloads()) {
                spooled.add(new String(p, StandardCharsets.UTF_8));
            }
            assertTrue(acked.size() >= 2000);
            for (String row : acked) {
                assertTrue(spooled.contains(row), "acknowledged but lost: " + row);
            }
        }
    }

    /** Streams pipelined puts until the agent dies; records the rows that were acknowledged. */
    private void stream(int thread, Set<String> acked, CountDownLatch progress) {
        try (SpoolClient c = SpoolClient.unix(dir.resolve("put.sock")).build()) {
            for (int batch = 0; ; batch++) {
                List<java.util.concurrent.CompletableFuture<Integer>> fs = new java.util.ArrayList<>();
                List<String> rows = new java.util.ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    String row = "{\"t\":" + thread + ",\"b\":" + batch + ",\"i\":" + i + "}";
                    rows.add(row);
                    fs.add(c.putAsync("t", row));
                }
                for (int i = 0; i < fs.size(); i++) {
                    try {
                        fs.get(i).get();
                        acked.add(rows.get(i));
                        progress.countDown();
                    } catch (ExecutionException e) {
                        if (((SpoolException) e.getCause()).code().equals(SpoolException.CONNECTION)) {
                            return; // the agent is gone
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
