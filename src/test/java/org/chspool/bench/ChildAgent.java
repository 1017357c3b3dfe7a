package org.chspool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/spoold} as a child process with the launcher's defaults (its heap and direct-memory bounds),
 * as an operator runs it: so a benchmark measures the agent's real resident memory, apart from the
 * benchmark's own. Its put socket is {@code <spool dir>/put.sock}; its output goes to
 * {@code <spool dir>/agent.log}.
 */
final class ChildAgent implements AutoCloseable {
    final Path socket;
    private final Process process;
    private final Path log;

    private ChildAgent(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /** Starts the agent on {@code dir} with {@code env} (CH_* settings) and waits until it answers a ping. */
    static ChildAgent start(Path dir, Map<String, String> env) throws IOException, InterruptedException {
        Path log = dir.resolve("agent.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of("bin/spoold").toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CH_") || k.equals("CHSPOOL_JAVA_OPTS"));
        pb.environment().put("CH_SPOOL_DIR", dir.toString());
        pb.environment().put("CH_ADMIN_LISTEN", "");
        pb.environment().putAll(env);
        Path socket = dir.resolve("put.sock");
        ChildAgent agent = new ChildAgent(pb.start(), socket, log);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - end < 0) {
            if (!agent.process.isAlive()) {
                throw new IOException("the agent exited with " + agent.process.exitValue() + ": " + Files.readString(log));
            }
            if (Files.exists(socket)) {
                try (PipeClient c = new PipeClient(socket, 1)) {
                    c.send("{\"ping\":true}\n".getBytes(), 0, System.nanoTime());
                    c.awaitAnswers(TimeUnit.SECONDS.toNanos(5));
                    return agent;
                } catch (IOException notYet) {
                    // the socket file is there before the agent accepts on it
                }
            }
            Thread.sleep(20); // polling a real child process
        }
        agent.close();
        throw new IOException("the agent did not start within 60 s: " + Files.readString(log));
    }

    /** The agent's peak resident memory so far (VmHWM), in MiB. */
    double peakRssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the agent's orderly shutdown
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
