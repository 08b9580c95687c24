package io.github.mooring.testkit;

import com.sun.net.httpserver.HttpExchange;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeExtractor;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Plain-HTTP watches, as a real API server serves them to kubectl, client-go and fabric8's {@code onlyHttpWatches}: a
 * {@code GET ...?watch=true} answered with a chunked stream of one JSON watch event per line. fabric8 8.0's mock server
 * serves watches over WebSocket only (it answers an HTTP watch with {@code 500}).
 * <p>
 * Every change the CRUD dispatcher makes comes through {@link #publish}. The last {@link #HISTORY} changes are kept, so
 * a watch that gives a {@code resourceVersion} gets exactly what changed after it (a re-established watch loses
 * nothing, deletions included), and one older than that history gets {@code 410 Gone}, as from a real server. Without a
 * {@code resourceVersion} a watch starts with an {@code ADDED} event per current object. {@code allowWatchBookmarks}
 * gets a {@code BOOKMARK} every {@code bookmarkInterval}, and {@code timeoutSeconds} ends the stream cleanly.
 */
final class HttpWatches implements AutoCloseable {

    static final int HISTORY = 10_000;

    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final String END = "";
    private static final Map<String, String> KINDS = Map.of(
            "endpointslices", "EndpointSlice",
            "endpoints", "Endpoints",
            "pods", "Pod",
            "leases", "Lease",
            "services", "Service",
            "configmaps", "ConfigMap",
            "secrets", "Secret");

    /** One change: the object's key and JSON before (null when created) and after (null when deleted). */
    private record Change(long version, AttributeSet before, String beforeJson, AttributeSet after, String afterJson) {}

    private final AttributeExtractor extractor;
    private final LongSupplier nextResourceVersion;
    private final Function<String, String> list;
    private final Deque<Change> history = new ArrayDeque<>(); // guarded by itself, as is everything below
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private long forgottenUpTo; // the newest version no longer in history
    private long latest;
    private volatile Duration bookmarkInterval = Duration.ofMinutes(1);
    private volatile boolean closed;

    /**
     * @param list the dispatcher's list for a path (the JSON of a {@code List}), taken under its own lock
     */
    HttpWatches(AttributeExtractor extractor, LongSupplier nextResourceVersion, Function<String, String> list) {
        this.extractor = extractor;
        this.nextResourceVersion = nextResourceVersion;
        this.list = list;
    }

    void bookmarkInterval(Duration interval) {
        this.bookmarkInterval = interval;
    }

    /** A change the dispatcher made (called under its write lock, so changes arrive in order). */
    void publish(AttributeSet before, String beforeJson, AttributeSet after, String afterJson) {
        String deleted = null;
        long version;
        if (afterJson == null) {
            // A real API server gives a deletion a resourceVersion of its own, so a watch can resume after it.
            version = nextResourceVersion.getAsLong();
            GenericKubernetesResource object = JSON.unmarshal(beforeJson, GenericKubernetesResource.class);
            object.getMetadata().setResourceVersion(Long.toString(version));
            deleted = JSON.asJson(object);
        } else {
            version = versionOf(afterJson);
        }
        Change change =
                new Change(version, before, deleted != null ? deleted : compact(beforeJson), after, compact(afterJson));
        synchronized (history) {
            history.addLast(change);
            latest = Math.max(latest, version);
            while (history.size() > HISTORY) {
                forgottenUpTo = history.removeFirst().version();
            }
            for (Stream stream : streams) {
                stream.offer(change);
            }
        }
    }

    /** Serves one watch request until the client goes, the timeout ends it, or the server closes. */
    void serve(HttpExchange exchange) throws IOException {
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        Map<String, String> params = params(rawQuery);
        String labels = params.get("labelSelector");
        String listPath = rawPath + (labels == null ? "" : "?labelSelector=" + encode(labels));
        AttributeSet query = extractor.fromPath(listPath);
        String name = nameIn(params.get("fieldSelector"));
        if (name != null) {
            query = query.add(new Attribute("name", name));
        }
        Stream stream = new Stream(query, name, rawPath, "true".equals(params.get("allowWatchBookmarks")));
        String since = params.get("resourceVersion");
        if (since != null && since.matches("[1-9][0-9]*")) {
            if (!resume(stream, Long.parseLong(since))) {
                stream.lines.add(gone(since));
                stream.lines.add(END);
            }
        } else {
            start(stream, listPath);
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0); // chunked
        long timeout = params.containsKey("timeoutSeconds")
                ? TimeUnit.SECONDS.toNanos(Long.parseLong(params.get("timeoutSeconds")))
                : Long.MAX_VALUE;
        try (OutputStream out = exchange.getResponseBody()) {
            stream.writeUntilEnd(out, timeout);
        } catch (IOException gone) {
            // the client went away (or the proxy dropped it)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.remove(stream);
            exchange.close();
        }
    }

    /** Registers {@code stream} with every change after {@code version}; false if history no longer reaches it. */
    private boolean resume(Stream stream, long version) {
        synchronized (history) {
            if (version < forgottenUpTo) {
                return false;
            }
            for (Change change : history) {
                if (change.version() > version) {
                    stream.offer(change);
                }
            }
            firstBookmark(stream, version);
            streams.add(stream);
            return true;
        }
    }

    /** Registers {@code stream} with an ADDED event per current object, then every change. */
    private void start(Stream stream, String listPath) {
        synchronized (history) {
            stream.buffering = new ArrayList<>();
            streams.add(stream);
        }
        // Listed outside the history's lock: the dispatcher publishes holding its own lock, and lists under it too.
        // A change made meanwhile is in the list and comes again as an event: harmless, as from a real server's cache.
        GenericKubernetesResourceList current =
                JSON.unmarshal(list.apply(listPath), GenericKubernetesResourceList.class);
        synchronized (history) {
            for (GenericKubernetesResource object : current.getItems()) {
                if (stream.name == null
                        || stream.name.equals(object.getMetadata().getName())) {
                    stream.lines.add(event("ADDED", JSON.asJson(object)));
                }
            }
            List<Change> meanwhile = stream.buffering;
            stream.buffering = null;
            meanwhile.forEach(stream::offer);
            firstBookmark(stream, 0);
        }
    }

    /**
     * A bookmark right after what the stream starts with, as a real API server sends once the initial events are
     * out: fabric8 counts a plain-HTTP watch as started (its informer as watching) only once the body's first bytes
     * arrive. Called holding the history's lock.
     */
    private void firstBookmark(Stream stream, long since) {
        long version = Math.max(latest, since);
        if (stream.bookmarks && version > 0) {
            stream.lines.add(bookmark(stream.path, version));
        }
    }

    /** How many HTTP watches are open (for tests). */
    int open() {
        return streams.size();
    }

    @Override
    public void close() {
        closed = true;
        for (Stream stream : streams) {
            stream.lines.add(END);
        }
    }

    /** One open watch: what it selects and the lines still to write. */
    private final class Stream {
        final AttributeSet query;
        final String name;
        final String path;
        final boolean bookmarks;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<Change> buffering; // guarded by history: changes made while the stream's first list is taken

        Stream(AttributeSet query, String name, String path, boolean bookmarks) {
            this.query = query;
            this.name = name;
            this.path = path;
            this.bookmarks = bookmarks;
        }

        /** Called holding the history's lock. */
        void offer(Change change) {
            if (buffering != null) {
                buffering.add(change);
                return;
            }
            boolean was = change.before() != null && change.before().matches(query);
            boolean is = change.after() != null && change.after().matches(query);
            if (was && is) {
                lines.add(event("MODIFIED", change.afterJson()));
            } else if (was) {
                lines.add(event("DELETED", change.beforeJson()));
            } else if (is) {
                lines.add(event("ADDED", change.afterJson()));
            }
        }

        void writeUntilEnd(OutputStream out, long timeoutNanos) throws IOException, InterruptedException {
            long started = System.nanoTime();
            long nextBookmark = started + bookmarkInterval.toNanos();
            out.flush();
            while (!closed) {
                long now = System.nanoTime();
                long untilTimeout = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : timeoutNanos - (now - started);
                if (untilTimeout <= 0) {
                    return; // a clean end, as the server ends a watch at its timeoutSeconds
                }
                long wait = Math.min(untilTimeout, bookmarks ? Math.max(0, nextBookmark - now) : Long.MAX_VALUE);
                String line = lines.poll(Math.min(wait, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                if (line == null) {
                    if (bookmarks && System.nanoTime() - nextBookmark >= 0) {
                        synchronized (history) { // queued in order with the changes, so it never runs ahead of them
                            if (latest > 0) {
                                lines.add(bookmark(path, latest));
                            }
                        }
                        nextBookmark = System.nanoTime() + bookmarkInterval.toNanos();
                    }
                    continue;
                }
                if (line == END) {
                    return;
                }
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private static String event(String type, String objectJson) {
        return "{\"type\":\"" + type + "\",\"object\":" + objectJson + "}";
    }

    /** A bookmark for the watched resource: its kind and apiVersion, and the version every change before it has. */
    static String bookmark(String path, long version) {
        String[] parts = path.replaceAll("^/+", "").split("/");
        String apiVersion = parts[0].equals("api") ? parts[1] : parts[1] + "/" + parts[2];
        String plural = parts[parts.length - 1];
        String kind = KINDS.getOrDefault(plural, plural);
        return event(
                "BOOKMARK",
                "{\"kind\":\"" + kind + "\",\"apiVersion\":\"" + apiVersion + "\",\"metadata\":{\"resourceVersion\":\""
                        + version + "\"}}");
    }

    private String gone(String since) {
        long oldest;
        synchronized (history) {
            oldest = forgottenUpTo + 1;
        }
        return event(
                "ERROR",
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too"
                        + " old resource version: " + since + " (" + oldest + ")\",\"reason\":\"Expired\","
                        + "\"code\":410}");
    }

    private static long versionOf(String json) {
        String version = JSON.unmarshal(json, GenericKubernetesResource.class)
                .getMetadata()
                .getResourceVersion();
        return version == null || !version.matches("[0-9]+") ? 0 : Long.parseLong(version);
    }

    /** One line of JSON (a stored object may be pretty-printed). */
    private static String compact(String json) {
        return json == null ? null : JSON.asJson(JSON.unmarshal(json, GenericKubernetesResource.class));
    }

    static Map<String, String> params(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(
                    URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    /** {@code metadata.name=x} (possibly among other selectors) gives {@code x}. */
    static String nameIn(String fieldSelector) {
        if (fieldSelector == null) {
            return null;
        }
        for (String term : fieldSelector.split(",")) {
            if (term.startsWith("metadata.name=")) {
                return term.substring("metadata.name=".length());
            }
        }
        return null;
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
