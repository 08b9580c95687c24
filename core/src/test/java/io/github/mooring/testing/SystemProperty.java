package io.github.mooring.testing;

/**
 * A system property set for the length of a try-with-resources block, then put back as it was: for settings that
 * libraries read from system properties only (fabric8's {@code kubeconfig}), without leaking into later tests.
 */
public final class SystemProperty implements AutoCloseable {

    private final String name;
    private final String previous;

    private SystemProperty(String name, String value) {
        this.name = name;
        this.previous = System.getProperty(name);
        System.setProperty(name, value);
    }

    public static SystemProperty set(String name, String value) {
        return new SystemProperty(name, value);
    }

    @Override
    public void close() {
        if (previous == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, previous);
        }
    }
}
