package org.chspool.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl import-writer PATH…}: hands the rows still queued in spool files of the in-process
 * writer ({@code writer.sqlite3}) to the agent through its put path, exactly once even when interrupted
 * (the agent commits each request's rows together with the file's import progress; see
 * {@link ImportUploader}). Each row keeps its {@code created_ts_us} and goes to
 * {@code <database>.<table_name>}, the database being the file's directory name or {@code --database}.
 * A file another process has open is refused unless {@code --force}. Exit code: 0 every row imported
 * (now or before), 1 some rows bad, refused or not sent, or a file refused; 3 no agent; 64 usage error.
 */
@Command(name = "import-writer", mixinStandardHelpOptions = true,
        description = "Import the rows queued in spool files of the in-process writer (writer.sqlite3) into the agent,"
                + " exactly once.",
        footer = {"", "Exit codes: 0 all rows imported (now or by an earlier run), 1 some rows bad, refused or not"
                + " sent, or a file refused, 3 no agent, 64 usage error.", "",
                "Examples:",
                "  spoolctl import-writer /mnt/ch_spool/dolphin_green/writer.sqlite3 --namespace dolphin_green",
                "  spoolctl import-writer old/writer.sqlite3 --database analytics --spool-dir ./spool --delete-imported"})
final class ImportWriterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "predecessor spool files (writer.sqlite3)")
    List<Path> paths;

    @Option(names = "--database", paramLabel = "DB",
            description = "database of the rows (default: the name of each file's directory, the old writer's layout)")
    String database;

    @Option(names = "--force", description = "import a file even though another process has it open")
    boolean force;

    @Option(names = "--delete-imported",
            description = "afterwards delete the rows the agent committed from the old file (bad and refused rows stay)")
    boolean deleteImported;

    @Option(names = "--batch-rows", paramLabel = "N", defaultValue = "" + ImportUploader.DEFAULT_ROWS,
            description = "most rows per request (default ${DEFAULT-VALUE})")
    int batchRows;

    @Override
    public Integer call() throws Exception {
        if (batchRows < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-rows must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean complete = true;
        try (PutConnection conn = PutConnection.open(target.resolve())) {
            for (Path p : paths) {
                complete &= importFile(conn, new PredecessorFile(p), out);
            }
        }
        return complete ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }

    private boolean importFile(PutConnection conn, PredecessorFile file, PrintWriter out) throws Exception {
        String db = database != null ? database : file.databaseFromLayout();
        if (db == null || db.isEmpty()) {
            out.println(file.path() + ": refused: no database (the file has no directory name); give --database");
            return false;
        }
        List<String> holders = file.holders();
        if (!holders.isEmpty() && !force) {
            out.println(file.path() + ": refused: open by process " + String.join(", ", holders) + "; the old writer may"
                    + " still be appending: stop it first (or --force)");
            return false;
        }
        String source;
        ImportUploader up;
        try (Connection c = file.open()) {
            source = file.identity();
            long[] size = PredecessorFile.size(c);
            ImportUploader u = new ImportUploader(conn, source, db, conn.importProgress(source), batchRows);
            up = u;
            ProgressBar bar = Files.size(file.path()) + walSize(file) >= PutCommand.PROGRESS_FROM_BYTES
                    ? new ProgressBar(spec.commandLine().getErr(), Math.max(1, size[1])) : null;
            long[] done = new long[2];
            PredecessorFile.scan(c, row -> {
                u.accept(row);
                done[0] += row.payload() == null ? 0 : row.payload().length();
                done[1]++;
                if (bar != null) {
                    bar.update(done[0], done[1]);
                }
            });
            u.finish();
            if (bar != null) {
                bar.finish(done[0], done[1]);
            }
        } catch (PredecessorFile.NotImportable e) {
            out.println(file.path() + ": refused: " + e.getMessage());
            return false;
        }
        report(file, db, up, out);
        boolean complete = up.total(t -> t.bad + t.refused + t.notSent) == 0 && up.stopReason() == null;
        if (deleteImported) {
            if (up.stopReason() != null) {
                out.println("  not deleting from the old file: the import stopped early");
            } else {
                Map<String, Long> committed = conn.importProgress(source);
                long n = file.deleteImported(committed, up.refusedIds());
                out.println("  deleted " + StatusRenderer.count(n) + " imported row(s) from " + file.path());
            }
        }
        return complete;
    }

    private static long walSize(PredecessorFile file) {
        try {
            return Files.size(Path.of(file.path() + "-wal"));
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static void report(PredecessorFile file, String db, ImportUploader up, PrintWriter out) {
        long imported = up.total(t -> t.imported);
        long already = up.total(t -> t.already);
        out.println(file.path() + " (database " + db + "): imported " + StatusRenderer.count(imported)
                + ", already imported " + StatusRenderer.count(already) + ", bad " + StatusRenderer.count(up.total(t -> t.bad))
                + ", refused " + StatusRenderer.count(up.total(t -> t.refused))
                + ", not sent " + StatusRenderer.count(up.total(t -> t.notSent)));
        if (imported == 0 && already > 0 && up.total(t -> t.bad + t.refused + t.notSent) == 0) {
            out.println("  nothing to import: all " + StatusRenderer.count(already) + " row(s) were imported by an earlier run");
        }
        if (!up.tallies().isEmpty()) {
            out.println(String.format("  %-40s %10s %10s %6s %8s %9s", "table", "imported", "already", "bad", "refused",
                    "not sent"));
            up.tallies().forEach((name, t) -> out.println(String.format("  %-40s %10s %10s %6s %8s %9s",
                    StatusRenderer.fit(t.target, 40), StatusRenderer.count(t.imported), StatusRenderer.count(t.already),
                    StatusRenderer.count(t.bad), StatusRenderer.count(t.refused), StatusRenderer.count(t.notSent))));
        }
        for (ImportUploader.Bad b : up.firstBad()) {
            out.println("  bad row id " + b.id() + ": " + StatusRenderer.fit(b.why(), 100) + " (skipped, left in the old file)");
        }
        long bad = up.total(t -> t.bad);
        if (bad > up.firstBad().size()) {
            out.println("  ... and " + (bad - up.firstBad().size()) + " more bad row(s)");
        }
        up.tallies().values().stream().filter(t -> t.refusal != null).forEach(t ->
                out.println("  refused " + t.target + ": " + StatusRenderer.fit(t.refusal, 120)));
        if (up.stopReason() != null) {
            out.println("  stopped early: " + up.stopReason() + "; rerun to continue where it stopped");
        }
    }
}
