package org.chspool.ingest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A raw protocol client for tests: writes bytes, reads response lines. Reading and writing may happen on
 * two threads (the channel's read and write sides are independent). Returns null from {@link #readLine}
 * at end of stream.
 */
final class LineClient implements AutoCloseable {
    final SocketChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocate(64 << 10);

    private LineClient(SocketChannel channel) {
        this.channel = channel;
    }

    static LineClient unix(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new LineClient(ch);
    }

    static LineClient tcp(int port) throws IOException {
        return new LineClient(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
    }

    /** {@code {"auth":"<token>"}} with the token JSON-escaped. */
    static String authLine(String token) {
        return "{\"auth\":\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                .quoteAsString(token)) + "\"}";
    }

    LineClient send(String text) throws IOException {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    LineClient write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        return this;
    }

    /** Sends one line and reads its answer. */
    String call(String line) throws IOException {
        send(line + "\n");
        return readLine();
    }

    String readLine() throws IOException {
        while (true) {
            byte[] a = buf.array();
            for (int i = 0; i < buf.position(); i++) {
                if (a[i] == '\n') {
                    String line = new String(a, 0, i, StandardCharsets.UTF_8);
                    System.arraycopy(a, i + 1, a, 0, buf.position() - i - 1);
                    buf.position(buf.position() - i - 1);
                    return line;
                }
            }
            if (channel.read(buf) < 0) {
                return null;
            }
        }
    }

    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
