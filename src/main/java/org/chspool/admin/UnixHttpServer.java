package org.chspool.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.chspool.util.Threads;

/**
 * The admin routes over a Unix socket, HTTP/1.0 style: one request per connection (request line and
 * headers, a body is read and ignored), one response, then close. Enough for {@code spoolctl} and
 * {@code curl --unix-socket}. The socket file gets mode 0660; a stale file is replaced, a live one
 * (another agent) is not. A connection that has not been answered within {@link #DEADLINE_MS} is closed.
 * Whoever can connect (the file mode decides) may use every route: no token is asked for.
 *
 * <p>Threading: one accept thread ({@code admin-uds}); requests run on the admin executor.
 */
final class UnixHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnixHttpServer.class);
    static final int DEADLINE_MS = 10_000;
    private static final int MAX_HEAD_BYTES = 16 * 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final AdminHandlers handlers;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final Thread acceptor;

    UnixHttpServer(Path path, AdminHandlers handlers, ExecutorService workers, ScheduledExecutorService timer)
            throws IOException {
        this.path = path.toAbsolutePath();
        this.handlers = handlers;
        this.workers = workers;
        this.timer = timer;
        removeIfStale(this.path);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(this.path));
            Files.setPosixFilePermissions(this.path, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        acceptor = Threads.daemon("admin-uds", this::acceptLoop);
        acceptor.start();
    }

    Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("admin socket accept failed: {}", e.getMessage());
                continue;
            }
            try {
                workers.execute(() -> serve(ch));
            } catch (RejectedExecutionException e) {
                closeQuietly(ch);
            }
        }
    }

    private void serve(SocketChannel ch) {
        ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(ch), DEADLINE_MS, TimeUnit.MILLISECONDS);
        try (ch; InputStream in = Channels.newInputStream(ch); OutputStream out = Channels.newOutputStream(ch)) {
            String head = readHead(in);
            String[] requestLine = head.split("\r?\n", 2)[0].split(" ");
            AdminResponse r = requestLine.length < 2
                    ? AdminResponse.text(400, "expected an HTTP request line\n")
                    : handlers.handle(requestLine[0], requestLine[1], true);
            boolean headOnly = requestLine.length >= 2 && "HEAD".equals(requestLine[0]);
            String header = "HTTP/1.0 " + r.status() + " " + AdminResponse.reason(r.status()) + "\r\n"
                    + "Content-Type: " + r.contentType() + "\r\n"
                    + headerLines(r)
                    + "Content-Length: " + r.body().length + "\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            if (!headOnly) {
                out.write(r.body());
            }
            out.flush();
        } catch (IOException e) {
            log.debug("admin socket connection ended: {}", e.getMessage());
        } finally {
            deadline.cancel(false);
        }
    }

    private static String headerLines(AdminResponse r) {
        StringBuilder sb = new StringBuilder();
        r.headers().forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        return sb.toString();
    }

    /** Reads up to the blank line ending the headers; a body is left unread (the connection closes). */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        int state = 0; // counts the bytes of "\r\n\r\n" (or "\n\n") seen
        int b;
        while ((b = in.read()) >= 0) {
            buf.write(b);
            if (b == '\n') {
                state++;
                if (state == 2) {
                    break;
                }
            } else if (b != '\r') {
                state = 0;
            }
            if (buf.size() > MAX_HEAD_BYTES) {
                throw new IOException("request head over " + MAX_HEAD_BYTES + " bytes");
            }
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }

    /** Deletes {@code p} if it is a socket nobody listens on; refuses to replace anything else. */
    private static void removeIfStale(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(p + " exists and is not a socket; refusing to replace it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(p));
        } catch (ConnectException e) {
            Files.deleteIfExists(p);
            return;
        }
        throw new IOException("another process (a running agent?) serves the admin socket " + p);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops accepting and deletes the socket file. Idempotent. */
    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
