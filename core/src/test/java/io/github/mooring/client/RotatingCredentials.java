package io.github.mooring.client;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The application's credentials: what a provider reading a mounted Secret does. {@link #rotateTo} is the moment the
 * new secret reaches the application. Streaming or not (Lettuce then asks it for a stream of credentials instead of
 * one at a time). Shared by the replication and the cluster rotation tests.
 */
public final class RotatingCredentials implements RedisCredentialsProvider {

    private final String user;
    private final boolean streaming;
    private final Sinks.Many<RedisCredentials> updates = Sinks.many().replay().latest();
    private final AtomicLong resolvedAfterRotation = new AtomicLong();
    private volatile String password;
    private volatile boolean rotated;

    public RotatingCredentials(String user, String password, boolean streaming) {
        this.user = user;
        this.password = password;
        this.streaming = streaming;
        updates.tryEmitNext(current());
    }

    /** From now on the provider gives {@code newPassword}. */
    public void rotateTo(String newPassword) {
        password = newPassword;
        rotated = true;
        updates.tryEmitNext(current());
    }

    /** How often the new secret was handed out (a connection or a probe authenticating with it). */
    public long resolvedAfterRotation() {
        return resolvedAfterRotation.get();
    }

    private RedisCredentials current() {
        if (rotated) {
            resolvedAfterRotation.incrementAndGet();
        }
        return RedisCredentials.just(user, password);
    }

    @Override
    public Mono<RedisCredentials> resolveCredentials() {
        return Mono.fromSupplier(this::current);
    }

    @Override
    public boolean supportsStreaming() {
        return streaming;
    }

    @Override
    public Flux<RedisCredentials> credentials() {
        return streaming ? updates.asFlux() : RedisCredentialsProvider.super.credentials();
    }

    @Override
    public String toString() {
        return "RotatingCredentials[user=" + user + ", streaming=" + streaming + "]";
    }
}
