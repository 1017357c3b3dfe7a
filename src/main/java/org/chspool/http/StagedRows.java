package org.chspool.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.chspool.util.FileModes;

/**
 * The validated rows of one request, waiting to be appended: in memory while they fit the atomic limits
 * ({@code maxRows}, {@code maxBytes}), beyond that spilled to a temporary file (length-prefixed rows) so a
 * huge body never sits in memory whole. {@link #close()} deletes the file. Not thread-safe; one per request.
 */
final class StagedRows implements AutoCloseable {
    private final Path spillDir;
    private final int maxRows;
    private final long maxBytes;
    private List<byte[]> memory = new ArrayList<>();
    private Path file;
    private DataOutputStream out;
    private long rows;
    private long bytes;

    StagedRows(Path spillDir, int maxRows, long maxBytes) {
        this.spillDir = spillDir;
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
    }

    /** @throws SpillFailed the spill file could not be written (the agent's disk, not the request) */
    void add(byte[] row) throws SpillFailed {
        rows++;
        bytes += row.length;
        try {
            if (out == null && (rows > maxRows || bytes > maxBytes)) {
                spill();
            }
            if (out == null) {
                memory.add(row);
            } else {
                out.writeInt(row.length);
                out.write(row);
            }
        } catch (IOException e) {
            throw new SpillFailed(spillDir, e);
        }
    }

    private void spill() throws IOException {
        FileModes.directory(spillDir);
        file = FileModes.createTempFile(spillDir, "http-", ".rows");
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        for (byte[] r : memory) {
            out.writeInt(r.length);
            out.write(r);
        }
        memory = null;
    }

    /** Ends writing; call once every row was added. */
    void finish() throws SpillFailed {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            throw new SpillFailed(spillDir, e);
        }
    }

    /** Writing the spill file failed: an I/O error of the agent's disk, told apart from reading the request. */
    static final class SpillFailed extends IOException {
        SpillFailed(Path dir, IOException cause) {
            super("cannot stage the request's rows in " + dir + ": " + cause, cause);
        }
    }

    long rows() {
        return rows;
    }

    long bytes() {
        return bytes;
    }

    /** True when every row is in memory and can go to the spool as one all-or-nothing append. */
    boolean inMemory() {
        return file == null;
    }

    /** The rows, when {@link #inMemory()}. */
    List<byte[]> memory() {
        return memory;
    }

    /** Reads the spilled rows back in chunks of at most {@code chunkRows} rows and {@code chunkBytes} bytes. */
    Chunks chunks(int chunkRows, long chunkBytes) throws IOException {
        return new Chunks(new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16)),
                chunkRows, chunkBytes);
    }

    @Override
    public void close() {
        try {
            if (out != null) {
                out.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete spill file " + file, e);
        }
    }

    /** Sequential chunk reader over the spill file. */
    final class Chunks implements AutoCloseable {
        private final DataInputStream in;
        private final int chunkRows;
        private final long chunkBytes;
        private long left = rows;

        private Chunks(DataInputStream in, int chunkRows, long chunkBytes) {
            this.in = in;
            this.chunkRows = chunkRows;
            this.chunkBytes = chunkBytes;
        }

        /** The next chunk, empty when every row was read. */
        List<byte[]> next() throws IOException {
            List<byte[]> chunk = new ArrayList<>();
            long size = 0;
            while (left > 0 && chunk.size() < chunkRows && (chunk.isEmpty() || size < chunkBytes)) {
                byte[] r = new byte[in.readInt()];
                in.readFully(r);
                chunk.add(r);
                size += r.length;
                left--;
            }
            return chunk;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
