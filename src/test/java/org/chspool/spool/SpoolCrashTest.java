package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpoolCrashTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"NORMAL", "FULL"})
    void everyAcknowledgedRowSurvivesKillMinus9OfTheAppendingProcess(String sync) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SpoolAppendChild.class.getName(), dir.toString(), sync)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Set<Integer> acked = new HashSet<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acked.add(Integer.parseInt(line.substring(4)));
                    if (acked.size() >= 20_000) {
                        child.destroyForcibly(); // SIGKILL, mid-stream
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(acked.size() >= 20_000, "child acknowledged only " + acked.size());
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_SYNC", sync))) {
            TableName t = TableName.ofStored("default.crash");
            List<Integer> stored = new ArrayList<>();
            long[] lastId = {-1};
            boolean inOrder = true;
            while (true) {
                SpoolBatch b = spool.reader().oldest(t, 50_000, Long.MAX_VALUE);
                if (b.isEmpty()) {
                    break;
                }
                for (int i = 0; i < b.size(); i++) {
                    inOrder &= b.ids()[i] > lastId[0];
                    lastId[0] = b.ids()[i];
                    String json = new String(b.payloads().get(i), StandardCharsets.UTF_8);
                    stored.add(Integer.parseInt(json.replaceAll("\\D", "")));
                }
                spool.delete(b).get();
            }
            assertTrue(inOrder, "ids must increase");
            assertEquals(stored.stream().sorted().toList(), stored, "rows of one producer are stored in put order");
            Set<Integer> storedSet = new HashSet<>(stored);
            assertEquals(stored.size(), storedSet.size(), "no row stored twice");
            List<Integer> missing = acked.stream().filter(s -> !storedSet.contains(s)).sorted().limit(10).toList();
            assertEquals(List.of(), missing, "acknowledged rows missing after kill -9");
        }
    }
}
