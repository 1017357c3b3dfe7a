package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The socket file's mode, its stale predecessors, live rivals and its removal. */
@Timeout(60)
class UnixSocketFileTest {
    @TempDir
    Path dir;

    @Test
    void socketFileHasMode0660AndIsRemovedOnClose() throws Exception {
        IngestFixture f = IngestFixture.start(dir, "CH_LISTEN", "");
        Path sock = f.socket();
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertEquals(-1, f.tcpPort);
        try (LineClient c = f.unixClient()) {
            assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
        }
        f.close();
        assertFalse(Files.exists(sock));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void aStaleSocketFromACrashIsReplaced() throws Exception {
        Path sock = dir.resolve("put.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close(); // the file stays, nobody listens: what a kill -9 leaves behind
        assertTrue(Files.exists(sock));
        try (IngestFixture f = IngestFixture.start(dir); LineClient c = f.unixClient()) {
            assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
        }
    }

    @Test
    void aLiveAgentOnTheSocketIsNeverReplaced() throws Exception {
        try (IngestFixture first = IngestFixture.start(dir)) {
            ListenerException e = assertThrows(ListenerException.class,
                    () -> UnixSocketFile.bind(first.socket(), "", 16));
            assertTrue(e.getMessage().contains("listening on"), e.getMessage());
            try (LineClient c = first.unixClient()) {
                assertEquals("{\"ok\":true,\"pong\":true}", c.call("{\"ping\":true}"));
            }
        }
    }

    @Test
    void aFileThatIsNotASocketIsNeverDeleted() throws Exception {
        Path notSocket = dir.resolve("put.sock");
        Files.writeString(notSocket, "precious");
        assertThrows(ListenerException.class, () -> UnixSocketFile.bind(notSocket, "", 16));
        assertEquals("precious", Files.readString(notSocket));
    }

    @Test
    void closeRemovesOnlyTheFileItBound() throws Exception {
        Path sock = dir.resolve("put.sock");
        UnixSocketFile bound = UnixSocketFile.bind(sock, "", 16);
        Files.delete(sock);
        Files.writeString(sock, "someone else's file");
        bound.close();
        assertEquals("someone else's file", Files.readString(sock));
    }
}
