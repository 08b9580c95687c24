package io.github.mooring.testkit;

import java.util.ArrayList;
import java.util.List;

/** Helpers to assert on what an exception says, wherever in its cause chain it says it. */
final class Failures {

    private Failures() {}

    /** The class names and messages of {@code e} and all its causes, one per line. */
    static String chain(Throwable e) {
        List<String> lines = new ArrayList<>();
        for (Throwable t = e; t != null && lines.size() < 20; t = t.getCause()) {
            lines.add(t.getClass().getName() + ": " + t.getMessage());
        }
        return String.join("\n", lines);
    }

    /** Whether {@code e} or one of its causes is a {@code type}. */
    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
