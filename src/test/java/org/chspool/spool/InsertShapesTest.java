package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Insert shapes: one id per distinct (table, shape), kept across restarts; rows tagged with it move through
 * freeze and quarantine with their shape; a batch read for freezing never mixes shapes (ShapedRows in
 * the replayer cuts it, here the rule it uses); a version 4 file migrates to 6 with its rows as shape 0.
 */
class InsertShapesTest {
    private static final TableName T = TableName.ofStored("default.t");
    private static final InsertShape TSV = new InsertShape("TabSeparated", List.of("a", "b"), Map.of());
    private static final InsertShape CSV = new InsertShape("CSV", List.of(), Map.of("format_csv_delimiter", ";"));

    @TempDir
    Path dir;

    @Test
    void aShapeGetsOneIdThatSurvivesARestartAndShapeZeroNeedsNoRecord() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        int tsv;
        int csv;
        try (Spool spool = Spool.open(cfg)) {
            tsv = spool.shapes().intern(T, TSV).get(5, TimeUnit.SECONDS);
            csv = spool.shapes().intern(T, CSV).get(5, TimeUnit.SECONDS);
            assertEquals(tsv, spool.shapes().intern(T, new InsertShape("TabSeparated", List.of("a", "b"), Map.of()))
                    .get(5, TimeUnit.SECONDS));
            assertNotEquals(tsv, csv);
            assertEquals(InsertShape.DEFAULT_ID, spool.shapes().intern(T, InsertShape.JSON_EACH_ROW).get(5, TimeUnit.SECONDS));
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(TSV, spool.shapes().get(tsv));
            assertEquals(CSV, spool.shapes().get(csv));
            assertEquals(tsv, spool.shapes().intern(T, TSV).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void taggedRowsKeepTheirShapeThroughTheQuarantineAndABatchStopsWhereTheShapeChanges() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            int tsv = spool.shapes().intern(T, TSV).get(5, TimeUnit.SECONDS);
            byte[] tag = ShapedPayload.tag(tsv);
            spool.appendAll(T, List.of(ShapedPayload.tagged(tag, bytes("1\ta")), ShapedPayload.tagged(tag, bytes("2\tb"))))
                    .get(5, TimeUnit.SECONDS);
            spool.append(T, bytes("{\"a\":3}")).get(5, TimeUnit.SECONDS);
            SpoolBatch all = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(3, all.size());
            assertEquals(2, ShapedPayload.sameShapePrefix(all));
            FrozenBatch frozen = spool.freeze(all.slice(0, 2)).get(5, TimeUnit.SECONDS);
            assertTrue(spool.quarantine(frozen, "rejected", "test").get(5, TimeUnit.SECONDS) instanceof QuarantineOutcome.Moved);
            List<QuarantinedRow> q = spool.reader().quarantined(null, 10);
            assertEquals(List.of("1\ta", "2\tb"), q.stream().map(QuarantinedRow::row).toList());
            assertEquals(TSV, spool.shapes().get(q.get(0).shapeId()));
            assertEquals(2, spool.requeueQuarantined(T.qualified(), null).get(5, TimeUnit.SECONDS));
            SpoolBatch back = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(List.of(InsertShape.DEFAULT_ID, tsv, tsv), back.payloads().stream().map(ShapedPayload::shapeOf).toList());
        }
    }

    @Test
    void aVersion4FileMigratesToShapesWithItsRowsAsShapeZero() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        OldSpoolFile.write(cfg.spoolFile(), 4, "default.t", List.of("{\"a\":1}".getBytes(StandardCharsets.UTF_8)), 0);
        try (Spool spool = Spool.open(cfg)) {
            SpoolBatch b = spool.reader().oldest(T, 10, Long.MAX_VALUE);
            assertEquals(InsertShape.JSON_EACH_ROW, spool.shapes().of(b.payloads().get(0)));
            assertTrue(spool.shapes().intern(T, TSV).get(5, TimeUnit.SECONDS) > 0);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
            assertEquals(SpoolSchema.CURRENT_VERSION, SpoolSchema.version(c));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
