package io.github.mooring.benchmarks;

/**
 * One way an application reaches the Redis master. Each performs one write at a time and throws when it fails,
 * so that a timeline of successful writes shows the failover window exactly as the application lives it.
 */
interface Contender extends AutoCloseable {

    /** The name in result tables. */
    String name();

    /** Writes {@code value} to {@code key}; throws when the write failed. */
    void write(String key, String value) throws Exception;

    @Override
    void close();
}
