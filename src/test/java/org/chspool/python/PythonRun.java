package org.chspool.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code python3} for a test with extra environment and captures its combined output (in a file, so
 * a chatty child never blocks on a full pipe). Fails with that output when python3 is missing or the run
 * takes longer than its timeout; the exit code is the caller's to judge.
 */
final class PythonRun {
    record Result(int exitCode, String output) {}

    private PythonRun() {}

    static Result run(Path workDir, long timeoutSeconds, Map<String, String> env, List<String> args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("chspool-python", ".log");
        try {
            List<String> command = new java.util.ArrayList<>(List.of("python3"));
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new AssertionError("cannot run python3 (scripts/test.sh installs it): " + e.getMessage(), e);
            }
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new AssertionError("python3 " + String.join(" ", args) + " did not finish within " + timeoutSeconds
                        + " s:\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
