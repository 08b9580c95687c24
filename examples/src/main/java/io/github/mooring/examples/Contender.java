package io.github.mooring.examples;

import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * One way of connecting an application to the Redis master. The demo writes through each the same way (the same
 * Lettuce async API); only how the connection was made differs.
 */
interface Contender extends AutoCloseable {

    /** The name in progress lines and the summary. */
    String name();

    /** The connection's commands. */
    RedisAsyncCommands<String, String> commands();

    /** Where this client believes the master is right now, labelled for a person watching. */
    String believedMaster(PodLabels labels);

    /** Whether its failures can say "fate unknown" (plain Lettuce re-sends such commands instead). */
    boolean reportsFateUnknown();

    @Override
    void close();
}
