package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.chspool.admin.StatusReport;
import org.chspool.admin.Verdict;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineStatusTest {
    @TempDir
    Path dir;

    private static List<byte[]> rows(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void readingTheFileBesideAWritingSpoolNeitherBlocksNorChangesIt() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            spool.appendAll(TableName.ofStored("db.a"), rows(30)).get(5, TimeUnit.SECONDS);

            StatusReport r = OfflineStatus.read(spool.file(), "test", Clock.systemUTC());

            assertEquals(Verdict.DOWN, r.verdict());
            assertEquals(StatusReport.NOT_RUNNING, r.agent());
            assertEquals(30, r.totals().queuedRows());
            assertEquals("db.a", r.tables().get(0).table());
            // the writer still commits while a status reader has come and gone
            assertEquals(5, spool.appendAll(TableName.ofStored("db.a"), rows(5)).get(5, TimeUnit.SECONDS));
            assertEquals(35, OfflineStatus.read(spool.file(), "test", Clock.systemUTC()).totals().queuedRows());
        }
        StatusReport closed = OfflineStatus.read(dir.resolve("spool.db"), "test", Clock.systemUTC());
        assertEquals(35, closed.totals().queuedRows());
        String text = StatusRenderer.render(closed);
        assertTrue(text.startsWith("DOWN  agent: not running"), text);
        for (String line : text.split("\n")) {
            assertTrue(line.length() <= StatusRenderer.WIDTH, line);
        }
    }
}
