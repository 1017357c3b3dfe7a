package org.chspool.ingest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.chspool.config.AgentConfig;
import org.chspool.config.Endpoint;
import org.chspool.spool.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The put protocol v1 server (see {@code docs/protocol.md}): listens on the Unix socket
 * ({@link AgentConfig#socketPath()}) and on TCP ({@link AgentConfig#listen()}), either optional, and
 * serves every connection from a small fixed set of NIO threads ({@code ingest-io-N}), never a thread
 * per connection. Rows are acknowledged only after the spool committed them.
 *
 * <p>Authentication: a Unix-socket client is authenticated by the socket file's permissions (mode 0660,
 * group {@code CH_SOCKET_GROUP}) and needs no token; its peer's user is logged at debug and counted. A TCP
 * client must send {@code {"auth":"<token>"}} first when {@code CH_AUTH_TOKEN} is set; the config refuses
 * a TCP listener without a token unless {@code CH_INSECURE_LOOPBACK=1}.
 *
 * <p>Lifecycle: {@link #start()} binds and starts serving; {@link #stopAccepting()} closes the listeners
 * and answers further puts {@code shutting_down} while in-flight ones still get their answer;
 * {@link #close()} closes every connection and removes the socket file. The agent stops accepting before
 * it closes the spool.
 *
 * <p>Threading: the lifecycle methods are synchronized and may be called from any thread; the
 * accessors are safe from any thread.
 */
public final class SocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketServer.class);
    private static final int BACKLOG = 1024;

    private final AgentConfig config;
    private final int ioThreads;
    private final IngestCounters counters = new IngestCounters();
    private final AtomicInteger open = new AtomicInteger();
    private final IngestContext ctx;
    private final List<IoLoop> loops = new ArrayList<>();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private UnixSocketFile unix;
    private ServerSocketChannel tcp;
    private volatile int tcpPort = -1;
    private boolean started;
    private boolean closed;

    /** A server with the default number of I/O threads: half the CPUs, at least 1, at most 4. */
    public SocketServer(AgentConfig config, Spool spool) {
        this(config, spool, defaultIoThreads());
    }

    public SocketServer(AgentConfig config, Spool spool, int ioThreads) {
        this(config, spool, ioThreads, ConnectionLimits.DEFAULT);
    }

    SocketServer(AgentConfig config, Spool spool, int ioThreads, ConnectionLimits limits) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1: " + ioThreads);
        }
        this.config = config;
        this.ioThreads = ioThreads;
        this.ctx = new IngestContext(spool, new LineProtocol(config), config.authToken(), config.maxLineBytes(),
                limits, counters, open::decrementAndGet);
    }

    public static int defaultIoThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    }

    /**
     * Binds the configured listeners and starts the I/O threads.
     *
     * @return the bound TCP port (useful with port 0), or -1 when TCP is disabled
     * @throws ListenerException when a listener cannot be bound (e.g. another agent owns the socket)
     */
    public synchronized int start() throws IOException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            for (int i = 0; i < ioThreads; i++) {
                loops.add(new IoLoop("ingest-io-" + i));
            }
            if (config.socketPath() != null) {
                unix = UnixSocketFile.bind(config.socketPath(), config.socketGroup(), BACKLOG);
                listen(unix.channel(), "unix:" + unix.path());
            }
            Endpoint ep = config.listen();
            if (ep != null) {
                tcp = ServerSocketChannel.open();
                tcp.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                try {
                    tcp.bind(new InetSocketAddress(ep.host(), ep.port()), BACKLOG);
                } catch (IOException e) {
                    throw new ListenerException("cannot listen on " + ep + " (CH_LISTEN): " + e.getMessage(), e);
                }
                tcpPort = ((InetSocketAddress) tcp.getLocalAddress()).getPort();
                listen(tcp, "tcp:" + ep.host() + ":" + tcpPort);
            }
            for (IoLoop l : loops) {
                l.start();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return tcpPort;
    }

    private void listen(ServerSocketChannel ch, String name) throws IOException {
        ch.configureBlocking(false);
        ch.register(loops.get(0).selector(), SelectionKey.OP_ACCEPT, new Listener(ch, name));
        log.info("put protocol v{} listening on {}", LineProtocol.VERSION, name);
    }

    /** The bound TCP port, or -1 when TCP is disabled or not started. */
    public int tcpPort() {
        return tcpPort;
    }

    /** The Unix socket path, or null when disabled. */
    public Path socketPath() {
        return config.socketPath();
    }

    public IngestCounters counters() {
        return counters;
    }

    /**
     * Closes the listeners (no new connections) and answers every further put on open connections with
     * {@code shutting_down}. Requests already handed to the spool still get their answer. Idempotent.
     */
    public synchronized void stopAccepting() {
        ctx.stopAccepting();
        try {
            if (unix != null) {
                unix.close();
            }
            if (tcp != null) {
                tcp.close();
            }
        } catch (IOException e) {
            log.warn("closing put listeners: {}", e.toString());
        }
    }

    /** Stops accepting, closes every connection and the I/O threads, removes the socket file. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAccepting();
        for (IoLoop l : loops) {
            try {
                l.shutdown(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    private void accepted(SocketChannel ch, boolean isTcp) throws IOException {
        ch.configureBlocking(false);
        if (isTcp) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        if (open.incrementAndGet() > ctx.limits().maxConnections() || !ctx.accepting()) {
            open.decrementAndGet();
            ErrorCode code = ctx.accepting() ? ErrorCode.BUSY : ErrorCode.SHUTTING_DOWN;
            counters.error(code);
            ch.write(ByteBuffer.wrap(LineProtocol.error(code, "too many connections (" + ctx.limits().maxConnections()
                    + "); retry later", code == ErrorCode.BUSY ? 1000 : 0, null)));
            ch.close();
            return;
        }
        counters.connectionOpened();
        if (!isTcp) {
            UnixPeer peer = UnixPeer.of(ch);
            counters.unixConnectionFrom(peer.user());
            log.debug("put socket connection from {}", peer);
        }
        IoLoop loop = loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
        // A Unix-socket peer got past the socket file's mode and group: that is its authentication.
        IngestConnection c = new IngestConnection(ch, loop, ctx, !isTcp);
        Runnable register = () -> {
            try {
                c.register();
            } catch (IOException | RuntimeException e) {
                c.close();
            }
        };
        if (loop.inLoop()) {
            register.run();
        } else {
            loop.execute(register);
        }
    }

    /** Accepts connections on one listening channel; runs on I/O thread 0. */
    private final class Listener implements IoLoop.Handler {
        private final ServerSocketChannel channel;
        private final String name;

        Listener(ServerSocketChannel channel, String name) {
            this.channel = channel;
            this.name = name;
        }

        @Override
        public void onSelected(SelectionKey key) {
            for (int i = 0; i < 64; i++) {
                SocketChannel ch;
                try {
                    ch = channel.accept();
                } catch (IOException e) {
                    log.warn("accept on {} failed: {}", name, e.toString());
                    return;
                }
                if (ch == null) {
                    return;
                }
                try {
                    accepted(ch, channel == tcp);
                } catch (IOException e) {
                    log.debug("dropping connection on {}: {}", name, e.toString());
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // nothing more to do
                    }
                }
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing {}: {}", name, e.toString());
            }
        }
    }
}
