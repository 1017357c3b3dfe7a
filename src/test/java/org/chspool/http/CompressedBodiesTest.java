package org.chspool.http;

import static org.chspool.http.HttpFixture.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.chspool.spool.ShapedPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request bodies compressed as ClickHouse accepts them: Content-Encoding zstd and lz4 (frame format), and
 * ClickHouse's own block framing ({@code decompress=1}) as client-v2 sends it with request compression on;
 * a block whose checksum does not match is CANNOT_DECOMPRESS with nothing spooled.
 */
class CompressedBodiesTest {
    private static final String TSV = "1\ta\n2\tb\\tc\n";

    @TempDir
    Path dir;

    @Test
    void zstdAndLz4ContentEncodingsAreDecoded() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir)) {
            String insert = "/?query=" + q("INSERT INTO t FORMAT TSV");
            assertEquals(200, f.post(insert, compress(new ByteArrayOutputStream(), "zstd"), "Content-Encoding", "zstd")
                    .statusCode());
            assertEquals(200, f.post(insert, compress(new ByteArrayOutputStream(), "lz4"), "Content-Encoding", "lz4")
                    .statusCode());
            assertEquals(List.of("1\ta", "2\tb\\tc", "1\ta", "2\tb\\tc"), rows(f));
            HttpResponse<String> bad = f.post(insert, "not zstd at all".getBytes(StandardCharsets.UTF_8),
                    "Content-Encoding", "zstd");
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(bad.body().startsWith("Code: 271."), bad.body());
            assertEquals(4, rows(f).size());
        }
    }

    @Test
    void clientV2WithRequestCompressionSendsBlockFramingThatIsDecodedAndChecked() throws Exception {
        try (HttpFixture f = HttpFixture.start(dir);
             Client client = new Client.Builder().addEndpoint("http://127.0.0.1:" + f.server.port())
                     .setUsername("default").setPassword(HttpFixture.TOKEN).compressClientRequest(true).build()) {
            try (InsertResponse r = client.insert("t", new ByteArrayInputStream(TSV.getBytes(StandardCharsets.UTF_8)),
                    ClickHouseFormat.TSV).get(30, TimeUnit.SECONDS)) {
                assertEquals(2, r.getWrittenRows());
            }
            assertEquals(List.of("1\ta", "2\tb\\tc"), rows(f));
            // one LZ4 block of ClickHouse's framing, its checksum spoiled
            byte[] block = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0x82, 14, 0, 0, 0, 4, 0, 0, 0,
                    0x40, '1', '\t', 'x', '\n'};
            HttpResponse<String> r = f.post("/?decompress=1&query=" + q("INSERT INTO t FORMAT TSV"), block);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().startsWith("Code: 271.") && r.body().contains("checksum"), r.body());
            assertEquals(2, rows(f).size());
        }
    }

    private static byte[] compress(ByteArrayOutputStream bytes, String how) throws Exception {
        try (OutputStream out = how.equals("zstd") ? new ZstdOutputStream(bytes) : new LZ4FrameOutputStream(bytes)) {
            out.write(TSV.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static List<String> rows(HttpFixture f) throws Exception {
        return f.rows("t").stream().map(ShapedPayload::rowText).toList();
    }
}
