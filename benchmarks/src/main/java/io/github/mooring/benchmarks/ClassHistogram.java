package io.github.mooring.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The live objects of this JVM by class: {@code jcmd <pid> GC.class_histogram}, asked in-process through the
 * HotSpot {@code DiagnosticCommand} MBean. The JVM runs a full, stop-the-world collection first and then counts
 * what is reachable, so {@link #totalBytes()} is the live heap at that moment, not a sample.
 *
 * @param rows  instances and shallow bytes per class name (arrays as the JVM names them: {@code [B})
 */
record ClassHistogram(Map<String, Row> rows) {

    /** One class's line. */
    record Row(String className, long instances, long bytes) {}

    // "   1:         12345        1234567  [B (java.base@17.0.15)"
    private static final Pattern LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

    ClassHistogram {
        rows = Map.copyOf(rows);
    }

    /** Runs {@code GC.class_histogram} (a full GC, then the count of live objects) in this JVM. */
    static ClassHistogram live() {
        try {
            Object text = ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "gcClassHistogram",
                            new Object[] {new String[0]},
                            new String[] {String[].class.getName()});
            return parse(String.valueOf(text));
        } catch (JMException e) {
            throw new IllegalStateException(
                    "GC.class_histogram is not available in this JVM (HotSpot needed): " + e, e);
        }
    }

    static ClassHistogram parse(String text) {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : text.split("\\R")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                Row row = new Row(m.group(3), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                // Two loaders may each define a class of one name: one line for both.
                rows.merge(
                        row.className(),
                        row,
                        (a, b) -> new Row(a.className(), a.instances() + b.instances(), a.bytes() + b.bytes()));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(
                    "not a class histogram: " + text.substring(0, Math.min(200, text.length())));
        }
        return new ClassHistogram(rows);
    }

    long totalBytes() {
        return rows.values().stream().mapToLong(Row::bytes).sum();
    }

    /** Per class, {@code this} minus {@code before}; largest growth first, classes that did not change left out. */
    List<Row> minus(ClassHistogram before) {
        Set<String> names = new HashSet<>(rows.keySet());
        names.addAll(before.rows().keySet());
        List<Row> diff = new ArrayList<>();
        for (String name : names) {
            Row now = rows.getOrDefault(name, new Row(name, 0, 0));
            Row then = before.rows().getOrDefault(name, new Row(name, 0, 0));
            if (now.instances() != then.instances() || now.bytes() != then.bytes()) {
                diff.add(new Row(name, now.instances() - then.instances(), now.bytes() - then.bytes()));
            }
        }
        diff.sort(Comparator.comparingLong(Row::bytes).reversed().thenComparing(Row::className));
        return diff;
    }

    /** Who a class belongs to, for the histogram's summary by owner; arrays count as their element type's. */
    static String ownerOf(String className) {
        String name = className;
        while (name.startsWith("[")) {
            name = name.substring(1);
        }
        if (name.startsWith("L") && name.endsWith(";")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.startsWith("io.github.mooring.testkit.")
                || name.startsWith("io.fabric8.mockwebserver.")
                || name.startsWith("io.fabric8.kubernetes.client.server.mock.")
                || name.startsWith("io.vertx.")) {
            return "testkit / mock API server";
        }
        if (name.startsWith("io.github.mooring.")) {
            return "Mooring";
        }
        if (name.startsWith("io.lettuce.")) {
            return "Lettuce";
        }
        if (name.startsWith("io.netty.")) {
            return "Netty (Lettuce's, the DNS source's; the mock server's too)";
        }
        if (name.startsWith("io.fabric8.")) {
            return "fabric8";
        }
        if (name.startsWith("tools.jackson.") || name.startsWith("com.fasterxml.jackson.")) {
            return "Jackson (fabric8's serialization)";
        }
        if (name.startsWith("jdk.internal.net.http.")) {
            return "JDK HttpClient";
        }
        if (name.startsWith("reactor.") || name.startsWith("io.github.resilience4j.")) {
            return "Reactor, resilience4j";
        }
        if (name.length() == 1) {
            return "primitive arrays (byte[], char[], long[]...)";
        }
        return "JDK classes (String, HashMap, ...) and others";
    }
}
