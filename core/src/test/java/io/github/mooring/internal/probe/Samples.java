package io.github.mooring.internal.probe;

import io.github.mooring.probe.NodeReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test fixture: {@code INFO} output captured byte for byte from real {@code redis-server} 6.2.11 and 7.0.15
 * processes (loopback pods 127.77.x.y; only {@code executable} and {@code config_file} paths were rewritten).
 * Each file holds the {@code server}, {@code replication}, {@code persistence} and {@code keyspace} sections in
 * that order, as four {@code INFO <section>} calls returned them.
 */
public final class Samples {

    private static final String[] HEADERS = {"# Server", "# Replication", "# Persistence", "# Keyspace"};

    private Samples() {}

    /** The Redis versions samples were captured from. */
    public static Stream<String> versions() {
        return Stream.of("6.2", "7.0");
    }

    /** The raw text of {@code redis-<version>/<name>.txt}. */
    public static String text(String version, String name) {
        String path = "redis-" + version + "/" + name + ".txt";
        try (InputStream in = Samples.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample split into its sections by header; a section the server did not send is "". */
    public static Map<String, String> sections(String text) {
        String[] found = new String[HEADERS.length];
        for (int i = 0; i < HEADERS.length; i++) {
            int start = text.indexOf(HEADERS[i] + "\r\n");
            if (start < 0) {
                found[i] = "";
                continue;
            }
            int end = text.length();
            for (String other : HEADERS) {
                int next = text.indexOf(other + "\r\n", start + 1);
                if (next > start && next < end) {
                    end = next;
                }
            }
            found[i] = text.substring(start, end);
        }
        return Map.of("server", found[0], "replication", found[1], "persistence", found[2], "keyspace", found[3]);
    }

    /** Parses a sample as the prober will: each section from its own {@code INFO} call. */
    public static NodeReport parse(String version, String name) {
        return parse(text(version, name));
    }

    public static NodeReport parse(String text) {
        Map<String, String> sections = sections(text);
        return InfoParser.parse(
                sections.get("replication"),
                sections.get("persistence"),
                sections.get("keyspace"),
                sections.get("server"));
    }
}
