package io.github.mooring.benchmarks;

/**
 * One way an application reaches the Redis master, as an application would use it: one blocking call at a time,
 * throwing when the call failed, so that a timeline of successful writes shows the failover window exactly as the
 * application lives it.
 */
interface Contender extends AutoCloseable {

    /** {@code SET key value}; throws when the write failed (the application saw an error). */
    void write(String key, String value) throws Exception;

    /** {@code GET key}; throws when the read failed. */
    String read(String key) throws Exception;

    /** Releases every connection, thread and process of this contender. */
    @Override
    void close();
}
