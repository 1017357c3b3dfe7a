package org.chspool.ingest;

import java.nio.file.Path;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;

/**
 * A minimal agent for crash tests, run in a child JVM: opens the spool in {@code args[0]} and serves the
 * put protocol on {@code <dir>/put.sock}, prints READY, then runs until killed.
 */
public final class IngestChildAgent {
    private IngestChildAgent() {}

    public static void main(String[] args) throws Exception {
        AgentConfig config = IngestFixture.config(Path.of(args[0]), "CH_LISTEN", "", "CH_SYNC", "NORMAL");
        Spool spool = Spool.open(config);
        SocketServer server = new SocketServer(config, spool);
        server.start();
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }
}
