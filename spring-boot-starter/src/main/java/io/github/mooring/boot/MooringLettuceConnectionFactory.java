package io.github.mooring.boot;

import io.github.mooring.MooringClient;
import io.github.mooring.lettuce.MooringRedisClient;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Spring Data Redis {@link LettuceConnectionFactory} whose connections always talk to the live master of a
 * Kubernetes Service's Redis pods. Everything built on a connection factory keeps working unchanged and follows the
 * master: {@code RedisTemplate}, {@code StringRedisTemplate}, the reactive templates, repositories,
 * {@code RedisMessageListenerContainer}, Spring Cache and Spring Session.
 * <p>
 * The Lettuce client is the {@link MooringClient}'s {@link MooringRedisClient}: every connection it opens, and every
 * reconnect, goes to the current master, whatever host and port the connection's {@link RedisURI} names. That URI
 * (the {@linkplain MooringClient#options() options}' {@code redisUri}) supplies credentials, TLS, database, client
 * name and command timeout; this factory's standalone configuration mirrors it, so that {@link #getDatabase()},
 * {@link #getPassword()} and friends report what connections really use.
 * <p>
 * Lifecycle: like any {@code LettuceConnectionFactory}, {@link #stop()} (and {@link #destroy()}) closes the
 * connections and shuts the Lettuce client down, with the client configuration's shutdown quiet period and timeout.
 * The {@link MooringClient} is not closed here: it belongs to whoever created it (in a Spring Boot application, the
 * {@code mooringClient} bean, which this factory depends on and which is therefore closed after it, stopping discovery,
 * probing and Mooring's threads). The factory cannot be started again once stopped, since its Lettuce client was
 * shut down with it.
 */
public class MooringLettuceConnectionFactory extends LettuceConnectionFactory {

    private final MooringClient mooring;

    private final AtomicBoolean clientCreated = new AtomicBoolean();

    /**
     * A factory on {@code mooring}'s client.
     *
     * @param mooring the client that follows the master; the caller closes it, after this factory
     * @param clientConfiguration pool, client options, shutdown and timeouts, as for any
     *        {@code LettuceConnectionFactory}; reading from replicas ({@code readFrom}) is refused, since every
     *        connection goes to the master
     */
    public MooringLettuceConnectionFactory(MooringClient mooring, LettuceClientConfiguration clientConfiguration) {
        super(
                standaloneOf(
                        Objects.requireNonNull(mooring, "mooring").options().redisUri()),
                Objects.requireNonNull(clientConfiguration, "clientConfiguration"));
        if (clientConfiguration.getReadFrom().isPresent()) {
            throw new IllegalArgumentException(
                    "readFrom(" + clientConfiguration.getReadFrom().get() + ") is not"
                            + " supported: every connection of a MooringLettuceConnectionFactory goes to the master");
        }
        this.mooring = mooring;
    }

    /** The client whose master this factory's connections follow (its topology, listeners, retry). */
    public MooringClient getMooringClient() {
        return mooring;
    }

    /**
     * Returns the {@link MooringClient}'s {@link MooringRedisClient}, with the client configuration's
     * {@link io.lettuce.core.ClientOptions} applied as {@code LettuceConnectionFactory} applies them, merged with what
     * following a master requires (automatic reconnect, commands accepted while disconnected).
     *
     * @throws IllegalStateException when the factory is started again after a stop: its client was shut down
     */
    @Override
    protected AbstractRedisClient createClient() {
        if (!clientCreated.compareAndSet(false, true)) {
            throw new IllegalStateException("This MooringLettuceConnectionFactory for "
                    + mooring.options().serviceRef()
                    + " was stopped, which shut its Lettuce client down; it cannot be started again. Create a new"
                    + " factory (and MooringClient), e.g. by refreshing a new application context.");
        }
        MooringRedisClient client = mooring.redisClient();
        getClientConfiguration()
                .getClientOptions()
                .ifPresent(options -> client.setOptions(mooring.options()
                        .mutate()
                        .clientOptions(options)
                        .build()
                        .clientOptions()));
        return client;
    }

    private static RedisStandaloneConfiguration standaloneOf(RedisURI uri) {
        RedisStandaloneConfiguration standalone = new RedisStandaloneConfiguration(uri.getHost(), uri.getPort());
        standalone.setDatabase(uri.getDatabase());
        mirrorCredentials(uri, standalone);
        return standalone;
    }

    /**
     * Gives {@code configuration} the URI's static credentials, so that the factory reports what connections use;
     * dynamic ones (a token provider) stay with the URI, which connections use.
     */
    static void mirrorCredentials(RedisURI uri, RedisConfiguration.WithAuthentication configuration) {
        RedisCredentials credentials = staticCredentials(uri.getCredentialsProvider());
        if (credentials != null) {
            if (credentials.hasUsername()) {
                configuration.setUsername(credentials.getUsername());
            }
            if (credentials.hasPassword()) {
                configuration.setPassword(RedisPassword.of(credentials.getPassword()));
            }
        }
    }

    /**
     * The credentials of a provider that has them at once, else null. Lettuce 6.x builds
     * {@code withAuthentication(user, password)} and {@code withPassword(...)} as an
     * {@link RedisCredentialsProvider.ImmediateRedisCredentialsProvider}; Lettuce 7 as a plain provider whose
     * {@code Mono} is already resolved: both are static.
     */
    private static RedisCredentials staticCredentials(RedisCredentialsProvider provider) {
        if (provider instanceof RedisCredentialsProvider.ImmediateRedisCredentialsProvider immediate) {
            return immediate.resolveCredentialsNow();
        }
        if (provider == null || provider.supportsStreaming()) {
            return null;
        }
        return provider.resolveCredentials().toFuture().getNow(null);
    }

    @Override
    public String toString() {
        return "MooringLettuceConnectionFactory[" + mooring.options().serviceRef() + "]";
    }
}
