package io.github.mooring.lettuce;

import io.lettuce.core.RedisClient;

/**
 * The Lettuce on the test classpath, checked against the one the build asked for ({@code mooring.expected.lettuce},
 * set by Maven from {@code lettuce.version}), so that a guard for one Lettuce line can never pass on the other.
 */
final class LettuceLine {

    private LettuceLine() {}

    /** The version on the classpath, e.g. {@code 7.5.2.RELEASE}; fails if it is not the one the build asked for. */
    static String version() {
        String manifest = RedisClient.class.getPackage().getImplementationVersion(); // e.g. 7.5.2.RELEASE/5728917
        String running = manifest == null ? null : manifest.split("/")[0];
        String expected = System.getProperty("mooring.expected.lettuce");
        if (expected == null) {
            throw new IllegalStateException("mooring.expected.lettuce is not set: run this test through Maven");
        }
        if (!expected.equals(running)) {
            throw new IllegalStateException(
                    "the build asked for Lettuce " + expected + " but " + running + " is on the test classpath");
        }
        return running;
    }

    static boolean six() {
        return version().startsWith("6.");
    }
}
