package org.chspool.http;

import com.clickhouse.data.ClickHouseCityHash;
import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.io.InputStream;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * Decodes a request body in ClickHouse's own compressed framing ({@code decompress=1}, what client-v2
 * sends with {@code compressClientRequest(true)}): a sequence of blocks, each a 16-byte CityHash128
 * (v1.0.2) of the rest of the block, a method byte ({@code 0x82} LZ4, {@code 0x90} ZSTD, {@code 0x02}
 * none), the block's compressed size (little-endian, with the 9 header bytes) and its decompressed size,
 * then the data. The checksum is verified, as ClickHouse does; a block that does not check or decode is
 * {@link Undecodable} (CANNOT_DECOMPRESS, nothing spooled). Blocks are bounded (1 GiB each, as ClickHouse
 * bounds them), and the decoded body is bounded by the caller's {@link BoundedInputStream}.
 *
 * <p>Not thread-safe; one per request.
 */
final class NativeBlockInputStream extends InputStream {
    private static final int HEADER = 9;
    private static final int MAX_BLOCK = 1 << 30;
    private static final LZ4FastDecompressor LZ4 = LZ4Factory.fastestInstance().fastDecompressor();

    /** A block that is not valid ClickHouse compressed framing. */
    static final class Undecodable extends IOException {
        Undecodable(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private byte[] block = new byte[0];
    private int pos;
    private long blocks;

    NativeBlockInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (pos == block.length) {
            if (!nextBlock()) {
                return -1;
            }
        }
        int n = Math.min(len, block.length - pos);
        System.arraycopy(block, pos, b, off, n);
        pos += n;
        return n;
    }

    private boolean nextBlock() throws IOException {
        byte[] checksum = in.readNBytes(16);
        if (checksum.length == 0) {
            return false;
        }
        byte[] header = in.readNBytes(HEADER);
        if (checksum.length < 16 || header.length < HEADER) {
            throw new Undecodable("the body ends inside the header of compressed block " + (blocks + 1));
        }
        int method = header[0] & 0xff;
        long compressed = le32(header, 1);
        long size = le32(header, 5);
        if (compressed < HEADER || compressed > MAX_BLOCK || size > MAX_BLOCK) {
            throw new Undecodable("compressed block " + (blocks + 1) + " claims " + compressed + " bytes compressed, "
                    + size + " decompressed");
        }
        byte[] framed = new byte[(int) compressed];
        System.arraycopy(header, 0, framed, 0, HEADER);
        int got = in.readNBytes(framed, HEADER, framed.length - HEADER);
        if (got < framed.length - HEADER) {
            throw new Undecodable("the body ends inside compressed block " + (blocks + 1));
        }
        long[] hash = ClickHouseCityHash.cityHash128(framed, 0, framed.length);
        if (hash[0] != le64(checksum, 0) || hash[1] != le64(checksum, 8)) {
            throw new Undecodable("the checksum of compressed block " + (blocks + 1) + " does not match its data");
        }
        byte[] out = new byte[(int) size];
        try {
            switch (method) {
                case 0x82 -> LZ4.decompress(framed, HEADER, out, 0, out.length);
                case 0x90 -> {
                    long n = Zstd.decompressByteArray(out, 0, out.length, framed, HEADER, framed.length - HEADER);
                    if (Zstd.isError(n) || n != out.length) {
                        throw new Undecodable("ZSTD block " + (blocks + 1) + " does not decompress to " + size + " bytes");
                    }
                }
                case 0x02 -> {
                    if (framed.length - HEADER != out.length) {
                        throw new Undecodable("uncompressed block " + (blocks + 1) + " has a wrong size");
                    }
                    System.arraycopy(framed, HEADER, out, 0, out.length);
                }
                default -> throw new Undecodable("compressed block " + (blocks + 1) + " uses method 0x"
                        + Integer.toHexString(method) + "; the agent reads LZ4 (0x82), ZSTD (0x90) and none (0x02)");
            }
        } catch (LZ4Exception e) {
            throw new Undecodable("LZ4 block " + (blocks + 1) + " does not decompress: " + e.getMessage());
        }
        blocks++;
        block = out;
        pos = 0;
        return true;
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    private static long le64(byte[] b, int at) {
        return le32(b, at) | le32(b, at + 4) << 32;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
