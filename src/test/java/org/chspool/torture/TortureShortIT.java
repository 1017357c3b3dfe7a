package org.chspool.torture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.chspool.testing.ClickHouseCluster;
import org.chspool.testing.ClickHouseClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shortened torture run ({@link TortureRun.Options#SHORT}: 5 kill -9 cycles, 20 s of proxy faults,
 * 3000 hostile lines, a full 16 MiB disk when root, damaged spool files at start) against the real agent
 * process and a real replicated ClickHouse (the agent delivers to replica 1; a replicated table without
 * dedupe keys must get no duplicate), so that {@code mvn verify} covers it. {@code scripts/torture.sh} runs
 * the full form.
 */
@ExtendWith(ClickHouseClusterExtension.class)
class TortureShortIT {
    @TempDir
    Path work;

    @Test
    @Timeout(600)
    void everyAcknowledgedRowSurvivesCrashesFaultsFullDisksAndHostileInput(ClickHouseCluster cluster) throws Exception {
        TortureSummary s = new TortureRun(TortureRun.Options.SHORT, cluster, work).run();
        System.out.println(s.table());
        assertTrue(s.passed(), s.table());
    }
}
