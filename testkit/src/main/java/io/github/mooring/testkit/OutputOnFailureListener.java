package io.github.mooring.testkit;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Holds back what tests print and shows it only for a test that fails: a green run stays quiet, a red one shows the
 * failing test's logs, warnings and namespace dump in full.
 * <p>
 * Tests against a simulated namespace provoke failovers, refused connections and RBAC denials on purpose, and the
 * libraries under test log each of them, often with a stack trace. Every test (and every test class, for what it
 * prints outside its tests) gets its own buffer while it runs: {@code System.out} and {@code System.err} both go
 * there, in the order written, and with them every logger that writes to the console (slf4j-simple, Logback's
 * console appender). When the test finishes the buffer is dropped, unless the test failed: then it is printed,
 * between two marker lines naming the test. A buffer keeps the last {@value #MAX_BUFFERED_BYTES} bytes.
 * <p>
 * Registered through {@code META-INF/services}, so the JUnit Platform launcher loads it wherever the testkit is on
 * the test class path, but it does nothing unless the configuration parameter {@value #MODE} is
 * {@code on-failure}. With Maven Surefire or Failsafe:
 *
 * <pre>{@code
 * <configuration>
 *   <configurationParameters>
 *     mooring.testkit.output=on-failure
 *     mooring.testkit.output.label=${project.artifactId} unit tests
 *   </configurationParameters>
 * </configuration>
 * }</pre>
 *
 * With a {@value #LABEL}, whatever the mode, each test class gets a line when it is done, so that a long run shows
 * where it is ({@code   MasterFollowingIT: 12 passed (1 min 02 s)}), and the run ends with one saying how many tests
 * passed, failed and were skipped ({@code mooring-core unit tests: 341 passed (1 min 12 s)}).
 */
public final class OutputOnFailureListener implements TestExecutionListener {

    /** Configuration parameter: {@code on-failure} holds output back; anything else (the default) leaves it alone. */
    public static final String MODE = "mooring.testkit.output";
    /** Configuration parameter: names the run in the summary line; without it there is none. */
    public static final String LABEL = "mooring.testkit.output.label";

    static final int MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

    private final Deque<Capture> captures = new ArrayDeque<>();
    private final Map<String, ClassTally> classes = new HashMap<>();
    private TestPlan plan;
    private boolean active;
    private String label;
    private PrintStream realOut;
    private PrintStream realErr;
    private long startNanos;
    private int passed;
    private int aborted;
    private int skipped;
    private final List<String> failed = new ArrayList<>();

    /** The launcher's constructor (ServiceLoader). */
    public OutputOnFailureListener() {}

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        active = testPlan.getConfigurationParameters()
                .get(MODE)
                .map(mode -> mode.trim().toLowerCase(Locale.ROOT).equals("on-failure"))
                .orElse(false);
        label = testPlan.getConfigurationParameters()
                .get(LABEL)
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .orElse(null);
        startNanos = System.nanoTime();
        realOut = System.out;
        realErr = System.err;
        plan = testPlan;
    }

    @Override
    public void executionStarted(TestIdentifier testIdentifier) {
        if (isClass(testIdentifier)) {
            classes.put(testIdentifier.getUniqueId(), new ClassTally(System.nanoTime()));
        }
        if (!active) {
            return;
        }
        Capture capture = new Capture(testIdentifier, Charset.defaultCharset());
        captures.push(capture);
        System.setOut(capture.stream);
        System.setErr(capture.stream);
    }

    @Override
    public void executionSkipped(TestIdentifier testIdentifier, String reason) {
        if (testIdentifier.isTest()) {
            skipped++;
            tallyOf(testIdentifier).ifPresent(tally -> tally.skipped++);
        }
    }

    @Override
    public void executionFinished(TestIdentifier testIdentifier, TestExecutionResult result) {
        boolean failure = result.getStatus() == TestExecutionResult.Status.FAILED;
        if (testIdentifier.isTest()) {
            Optional<ClassTally> tally = tallyOf(testIdentifier);
            switch (result.getStatus()) {
                case SUCCESSFUL -> {
                    passed++;
                    tally.ifPresent(t -> t.passed++);
                }
                case ABORTED -> {
                    aborted++;
                    tally.ifPresent(t -> t.aborted(result.getThrowable().map(OutputOnFailureListener::firstLine)));
                }
                case FAILED -> {
                    failed.add(name(testIdentifier));
                    tally.ifPresent(t -> t.failed++);
                }
            }
        } else if (failure) {
            failed.add(name(testIdentifier));
        }
        if (active) {
            Capture capture = pop(testIdentifier);
            PrintStream current = captures.isEmpty() ? null : captures.peek().stream;
            System.setOut(current != null ? current : realOut);
            System.setErr(current != null ? current : realErr);
            if (capture != null && failure && capture.size() > 0) {
                show(capture, result);
            }
        }
        ClassTally tally = classes.remove(testIdentifier.getUniqueId());
        if (tally != null && label != null) {
            realOut.println("  " + name(testIdentifier) + ": " + tally.describe(failure));
            realOut.flush();
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (active) {
            // Whatever is still held (a container the launcher never finished) would be lost: nothing failed there.
            captures.clear();
            System.setOut(realOut);
            System.setErr(realErr);
        }
        if (label != null) {
            realOut.println(summary());
            realOut.flush();
        }
        active = false;
    }

    /** {@code mooring-core unit tests: 339 passed, 2 FAILED: a(), b() (1 min 12 s)}. */
    String summary() {
        StringBuilder line =
                new StringBuilder(label).append(": ").append(passed).append(" passed");
        if (!failed.isEmpty()) {
            line.append(", ").append(failed.size()).append(" FAILED: ").append(String.join(", ", failed));
        }
        if (aborted > 0) {
            line.append(", ").append(aborted).append(" aborted");
        }
        if (skipped > 0) {
            line.append(", ").append(skipped).append(" skipped");
        }
        return line.append(" (")
                .append(format(Duration.ofNanos(System.nanoTime() - startNanos)))
                .append(')')
                .toString();
    }

    private Capture pop(TestIdentifier testIdentifier) {
        for (Iterator<Capture> it = captures.iterator(); it.hasNext(); ) {
            Capture capture = it.next();
            if (capture.id.equals(testIdentifier.getUniqueId())) {
                it.remove();
                return capture;
            }
        }
        return null;
    }

    private void show(Capture capture, TestExecutionResult result) {
        String what = capture.displayName + " failed"
                + result.getThrowable().map(t -> ": " + firstLine(t)).orElse("");
        synchronized (realOut) {
            realOut.println(">>> output of " + what);
            capture.writeTo(realOut);
            realOut.println("<<< end of the output of " + capture.displayName);
            realOut.flush();
        }
    }

    static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage()).strip();
        int newline = message.indexOf('\n');
        return t.getClass().getSimpleName() + " " + (newline < 0 ? message : message.substring(0, newline) + " ...");
    }

    /** {@code MasterFollowingIT.followsAReplacedMaster()} for a test, {@code MasterFollowingIT} for a class. */
    static String name(TestIdentifier identifier) {
        Optional<MethodSource> method =
                identifier.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast);
        if (method.isPresent()) {
            return simpleName(method.get().getClassName()) + "." + identifier.getLegacyReportingName();
        }
        Optional<ClassSource> type =
                identifier.getSource().filter(ClassSource.class::isInstance).map(ClassSource.class::cast);
        return type.map(t -> simpleName(t.getClassName())).orElse(identifier.getLegacyReportingName());
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static boolean isClass(TestIdentifier identifier) {
        return identifier.isContainer()
                && identifier.getSource().filter(ClassSource.class::isInstance).isPresent();
    }

    /** The tally of the innermost test class around {@code test}. */
    private Optional<ClassTally> tallyOf(TestIdentifier test) {
        for (Optional<TestIdentifier> at = Optional.of(test); at.isPresent(); at = plan.getParent(at.get())) {
            ClassTally tally = classes.get(at.get().getUniqueId());
            if (tally != null) {
                return Optional.of(tally);
            }
        }
        return Optional.empty();
    }

    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds < 60
                ? String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0)
                : String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
    }

    /** What one test class's tests came to. */
    private static final class ClassTally {
        private final long startNanos;
        private int passed;
        private int failed;
        private int aborted;
        private int skipped;
        private String firstAbort;

        ClassTally(long startNanos) {
            this.startNanos = startNanos;
        }

        void aborted(Optional<String> why) {
            aborted++;
            if (firstAbort == null) {
                firstAbort = why.orElse("no reason given");
            }
        }

        /** {@code 12 passed (1 min 02 s)}, {@code 11 passed, 1 FAILED (...)}; {@code FAILED} alone if its setup did. */
        String describe(boolean classFailed) {
            StringBuilder text = new StringBuilder().append(passed).append(" passed");
            if (failed > 0) {
                text.append(", ").append(failed).append(" FAILED");
            } else if (classFailed) {
                text.append(", FAILED");
            }
            if (aborted > 0) {
                text.append(", ").append(aborted).append(" aborted");
            }
            if (skipped > 0) {
                text.append(", ").append(skipped).append(" skipped");
            }
            text.append(" (")
                    .append(format(Duration.ofNanos(System.nanoTime() - startNanos)))
                    .append(')');
            // A skip proves nothing: say why, once per class (the test's own log of it is held back with its output).
            return firstAbort == null
                    ? text.toString()
                    : text.append("; first abort: ").append(firstAbort).toString();
        }
    }

    /** One test's (or container's) output: the last {@link #MAX_BUFFERED_BYTES} bytes of it. */
    private static final class Capture {
        private final String id;
        private final String displayName;
        private final Tail tail = new Tail(MAX_BUFFERED_BYTES);
        private final PrintStream stream;

        Capture(TestIdentifier identifier, Charset charset) {
            this.id = identifier.getUniqueId();
            this.displayName = name(identifier);
            this.stream = new PrintStream(tail, true, charset);
        }

        long size() {
            return tail.size();
        }

        void writeTo(PrintStream out) {
            stream.flush();
            tail.writeTo(out);
        }
    }

    /** An output stream that keeps only its last {@code capacity} bytes, in chunks, and counts what it dropped. */
    static final class Tail extends OutputStream {
        private static final int CHUNK = 64 * 1024;
        private final long capacity;
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private int lastUsed = CHUNK;
        private long size;
        private long dropped;

        Tail(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            while (length > 0) {
                if (lastUsed == CHUNK) {
                    chunks.addLast(new byte[CHUNK]);
                    lastUsed = 0;
                }
                int n = Math.min(length, CHUNK - lastUsed);
                System.arraycopy(bytes, offset, chunks.peekLast(), lastUsed, n);
                lastUsed += n;
                offset += n;
                length -= n;
                size += n;
            }
            while (size - CHUNK >= capacity && chunks.size() > 1) {
                chunks.removeFirst();
                size -= CHUNK;
                dropped += CHUNK;
            }
        }

        synchronized long size() {
            return size;
        }

        synchronized void writeTo(PrintStream out) {
            if (dropped > 0) {
                out.println(
                        "(the first " + dropped + " bytes of this output were dropped; the last " + size + " follow)");
            }
            Iterator<byte[]> it = chunks.iterator();
            while (it.hasNext()) {
                byte[] chunk = it.next();
                out.write(chunk, 0, it.hasNext() ? CHUNK : lastUsed);
            }
            if (size > 0 && lastByte() != '\n') {
                out.println();
            }
        }

        private byte lastByte() {
            return chunks.peekLast()[lastUsed - 1];
        }
    }
}
