package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.chspool.spool.InsertShape;
import org.chspool.spool.ShapedPayload;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A large (spilled) request is appended all or nothing, whatever fails on the way. */
class SpoolAppenderTest {
    static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    @Test
    void aSpillFileThatCannotBeReadBackMidwayLeavesNothingCommittedAndIsAnHttpError() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir.resolve("spool")));
             StagedRows staged = new StagedRows(dir.resolve("spill"), 10, 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                staged.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            staged.finish();
            Path spill;
            try (var files = Files.list(dir.resolve("spill"))) {
                spill = files.findFirst().orElseThrow();
            }
            try (RandomAccessFile f = new RandomAccessFile(spill.toFile(), "rw")) {
                f.setLength(f.length() / 2); // the second half of the rows cannot be read back
            }
            SpoolAppender appender = new SpoolAppender(spool, 1_000_000_000L, 7, 1 << 20);

            HttpError e = assertThrows(HttpError.class, () -> appender.append(T, staged, ShapedPayload.tag(InsertShape.DEFAULT_ID)));

            assertEquals(ClickHouseCode.SYSTEM_ERROR, e.code());
            assertTrue(e.getMessage().contains("nothing of this request was spooled"), e.getMessage());
            assertEquals(0, spool.queuedRows(), "the chunks appended before the failure are not committed");
            assertEquals(0, spool.reader().oldest(T, 1000, Long.MAX_VALUE).size());
        }
    }
}
