package org.chspool.ingest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * The put protocol's Unix socket file: bound with mode 0660 (and the configured group) before anyone can
 * find it under its name, a stale file left by a crash replaced, a live agent's socket never stolen, and
 * the file removed on close only if it is still ours.
 *
 * <p>How: a stale candidate is probed by connecting to it (refused means stale). The socket is bound
 * under a temporary sibling name, given its mode and group, then renamed over the real name atomically.
 * Not thread-safe; used by {@link SocketServer} under its lock.
 */
final class UnixSocketFile implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel channel;
    private final Object fileKey;

    private UnixSocketFile(Path path, ServerSocketChannel channel, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /**
     * Binds the socket at {@code path}.
     *
     * @param group owning group, or empty to keep the process's
     * @throws ListenerException when another agent answers on {@code path}, or {@code path} is not a socket
     */
    static UnixSocketFile bind(Path path, String group, int backlog) throws IOException {
        Path abs = path.toAbsolutePath();
        removeIfStale(abs);
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        removeIfStale(tmp);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(tmp), backlog);
            PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
            view.setPermissions(PosixFilePermissions.fromString("rw-rw----"));
            if (group != null && !group.isEmpty()) {
                GroupPrincipal g = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                view.setGroup(g);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new ListenerException("cannot rename " + tmp + " to " + abs + ": " + e.getMessage());
            }
            Object key = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new UnixSocketFile(abs, ch, key);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Deletes {@code p} if it is a socket nobody listens on; refuses to touch anything else. */
    private static void removeIfStale(Path p) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!a.isOther()) {
            throw new ListenerException(p + " exists and is not a socket; refusing to replace it (CH_SOCKET)");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(p));
        } catch (ConnectException e) {
            Files.deleteIfExists(p); // refused: a stale file from a process that died
            return;
        }
        throw new ListenerException("another process (a running agent?) is listening on " + p
                + "; stop it or point CH_SOCKET elsewhere");
    }

    ServerSocketChannel channel() {
        return channel;
    }

    Path path() {
        return path;
    }

    /**
     * Deletes the file if it is still the one we bound, then closes the listener. In that order: while we
     * listen, a successor's {@link #bind} refuses to replace the file, so we never delete a successor's.
     * Idempotent.
     */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                if (Objects.equals(now, fileKey)) {
                    Files.deleteIfExists(path);
                }
            }
        } catch (NoSuchFileException e) {
            // already gone
        } finally {
            channel.close();
        }
    }
}
