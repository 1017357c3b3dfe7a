package org.chspool.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One HTTP/1.0 request over a Unix socket (the agent's admin socket), for tests. Stateless. */
public final class UnixHttp {
    private UnixHttp() {}

    /** Sends {@code method path} with no body and returns the whole raw response (status line, headers, body). */
    public static String request(Path socket, String method, String path) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            Channels.newOutputStream(c).write((method + " " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Channels.newInputStream(c).transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** The status code of a raw response. */
    public static int status(String raw) {
        return Integer.parseInt(raw.substring(raw.indexOf(' ') + 1, raw.indexOf(' ') + 4));
    }

    /** The body of a raw response. */
    public static String body(String raw) {
        return raw.substring(raw.indexOf("\r\n\r\n") + 4);
    }
}
