package io.github.mooring.internal.probe;

import io.github.mooring.discovery.Endpoint;
import io.lettuce.core.ConnectionFuture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A Lettuce client for talking to one particular pod (probes, repairs) with the application's connection settings.
 * With TLS, the connection goes to the pod's IP while the handshake names the host of the application's URI (the
 * Service's DNS name, which its certificate carries), so hostname verification keeps working.
 */
public final class NodeClient extends RedisClient {

    /** The pod the connection being opened on this thread goes to (Lettuce asks for the address on that thread). */
    private static final ThreadLocal<Endpoint> TARGET = new ThreadLocal<>();

    private NodeClient(ClientResources resources) {
        super(resources, RedisURI.create("redis://localhost"));
    }

    /** A client on shared resources; shut it down when done (the resources stay up). */
    public static NodeClient create(ClientResources resources) {
        return new NodeClient(resources);
    }

    /** Opens a connection to {@code endpoint} with {@code template}'s credentials, TLS, database and client name. */
    public ConnectionFuture<StatefulRedisConnection<String, String>> connectAsync(
            Endpoint endpoint, RedisURI template, Duration timeout, String clientName) {
        return connectTo(endpoint, template, timeout, clientName, uri -> connectAsync(StringCodec.UTF8, uri));
    }

    /** Opens a Pub/Sub connection to {@code endpoint}, as {@link #connectAsync(Endpoint, RedisURI, Duration, String)}. */
    public ConnectionFuture<StatefulRedisPubSubConnection<String, String>> connectPubSubAsync(
            Endpoint endpoint, RedisURI template, Duration timeout, String clientName) {
        return connectTo(endpoint, template, timeout, clientName, uri -> connectPubSubAsync(StringCodec.UTF8, uri));
    }

    /**
     * {@code connect} with {@code template}'s URI for {@code endpoint}: its IP as the host, or with TLS the template's
     * host (the name the certificate is checked against) and {@code endpoint} as {@link #TARGET}, where to dial.
     */
    private <C> C connectTo(
            Endpoint endpoint, RedisURI template, Duration timeout, String clientName, Function<RedisURI, C> connect) {
        RedisURI.Builder uri = RedisURI.builder(template)
                .withPort(endpoint.port())
                .withTimeout(timeout)
                .withClientName(clientName);
        if (!template.isSsl()) {
            uri.withHost(endpoint.host());
            return connect.apply(uri.build());
        }
        TARGET.set(endpoint);
        try {
            return connect.apply(uri.build());
        } finally {
            TARGET.remove();
        }
    }

    /** Blocking {@link #connectAsync(Endpoint, RedisURI, Duration, String)}. */
    public StatefulRedisConnection<String, String> connect(
            Endpoint endpoint, RedisURI template, Duration timeout, String clientName) {
        return connectAsync(endpoint, template, timeout, clientName).join();
    }

    @Override
    protected Mono<SocketAddress> getSocketAddress(RedisURI redisURI) {
        Endpoint target = TARGET.get();
        if (target == null) {
            return super.getSocketAddress(redisURI);
        }
        return Mono.just(socketAddress(target, redisURI));
    }

    /**
     * The address to connect to for {@code endpoint}. With TLS, it carries {@code uri}'s host as its host name: Lettuce
     * gives the TLS engine the socket address's host string, so the certificate is checked against the Service's
     * name while the connection goes to the pod's IP (no DNS lookup happens: the IP is given as bytes).
     */
    public static InetSocketAddress socketAddress(Endpoint endpoint, RedisURI uri) {
        if (!uri.isSsl() || uri.getHost() == null) {
            return new InetSocketAddress(endpoint.host(), endpoint.port());
        }
        try {
            byte[] ip = InetAddress.getByName(endpoint.host()).getAddress(); // an IP literal: parsed, not resolved
            return new InetSocketAddress(InetAddress.getByAddress(uri.getHost(), ip), endpoint.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + endpoint.host(), e);
        }
    }
}
