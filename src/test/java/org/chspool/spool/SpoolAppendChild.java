package org.chspool.spool;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import org.chspool.testing.TestConfigs;

/**
 * A child process for crash tests: appends numbered rows to a spool as fast as it can and prints
 * {@code ACK <seq>} for every row once its append is acknowledged. The test kills it with SIGKILL.
 * Args: spool dir, sync mode.
 */
public final class SpoolAppendChild {
    public static void main(String[] args) throws Exception {
        Spool spool = Spool.open(TestConfigs.forDir(Path.of(args[0]), "CH_SYNC", args[1]));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        TableName t = TableName.ofStored("default.crash");
        Semaphore window = new Semaphore(256);
        out.println("READY");
        out.flush();
        for (int seq = 0; ; seq++) {
            window.acquire();
            int s = seq;
            byte[] row = ("{\"seq\":" + s + "}").getBytes(StandardCharsets.UTF_8);
            spool.append(t, row).whenComplete((n, err) -> {
                if (err == null) {
                    synchronized (out) {
                        out.println("ACK " + s);
                        out.flush();
                    }
                }
                window.release();
            });
        }
    }
}
