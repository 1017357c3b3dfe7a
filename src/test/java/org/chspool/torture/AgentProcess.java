package org.chspool.torture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.client.SpoolClient;
import org.chspool.client.SpoolException;

/**
 * The real agent ({@code org.chspool.agent.SpoolAgent}, the main of {@code bin/spoold}) as a child JVM
 * with {@code -Xmx128m} and {@code CH_*} settings in its environment, for crash and fault tests: start,
 * wait until it acknowledges puts, {@code kill -9}, SIGTERM, CPU time and RSS. Output goes to
 * a log file (appended across restarts). Not thread-safe: one driver thread.
 */
public final class AgentProcess {
    private final Path spoolDir;
    private final Path log;
    private final Map<String, String> env;
    private Process process;
    private int starts;

    /** An agent on {@code spoolDir} writing its output to {@code log} (outside the spool dir: it may be full). */
    public AgentProcess(Path spoolDir, Path log, Map<String, String> settings) {
        this.spoolDir = spoolDir;
        this.log = log;
        this.env = new HashMap<>(settings);
        env.put("CH_SPOOL_DIR", spoolDir.toString());
        env.putIfAbsent("CH_LISTEN", "");
        env.putIfAbsent("CH_ADMIN_LISTEN", "");
        env.putIfAbsent("CH_HTTP_LISTEN", "");
    }

    public Path socket() {
        return spoolDir.resolve("put.sock");
    }

    public Path spoolDir() {
        return spoolDir;
    }

    public int starts() {
        return starts;
    }

    /** Starts the child and returns once a ping is answered (the put listener is up). */
    public void start(Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(spoolDir);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                "org.chspool.agent.SpoolAgent");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
        starts++;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("agent exited with " + process.exitValue() + " during start; see "
                        + log);
            }
            if (Files.exists(socket())) {
                try (SpoolClient c = SpoolClient.unix(socket()).connectTimeout(Duration.ofSeconds(1)).build()) {
                    c.ping();
                    return;
                } catch (SpoolException notYet) {
                    // a stale socket file from the killed agent, or not listening yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("agent not answering on " + socket() + " after " + timeout);
            }
            process.waitFor(20, TimeUnit.MILLISECONDS); // returns at once if it dies
        }
    }

    /** SIGKILL, waiting until the process is gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM (graceful drain); returns the exit code, killing it if it takes longer than {@code timeout}. */
    public int terminate(Duration timeout) throws InterruptedException {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("agent did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** CPU time (user + system) used by the current process so far. */
    public Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** Resident set size in KiB, from /proc; -1 when unknown. */
    public long rssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or not Linux
        }
        return -1;
    }
}
