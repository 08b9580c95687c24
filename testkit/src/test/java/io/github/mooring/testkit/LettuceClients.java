package io.github.mooring.testkit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain Lettuce clients with short timeouts, as an application without Mooring would create them; every client
 * made here is shut down by {@link #close()} (call it from {@code @AfterEach}).
 */
final class LettuceClients implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofMillis(1000);

    private final List<RedisClient> clients = new ArrayList<>();

    /** A client for {@code ip:port}, authenticated with {@code credentials} when not null. */
    synchronized RedisClient client(String ip, int port, Credentials credentials) {
        RedisURI.Builder uri = RedisURI.builder().withHost(ip).withPort(port).withTimeout(TIMEOUT);
        if (credentials != null) {
            if (credentials.user() == null) {
                uri.withPassword(credentials.password().toCharArray());
            } else {
                uri.withAuthentication(
                        credentials.user(), credentials.password().toCharArray());
            }
        }
        RedisClient client = RedisClient.create(uri.build());
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
                .build());
        clients.add(client);
        return client;
    }

    /** A connection to a pod's current address, with the set's credentials. */
    StatefulRedisConnection<String, String> connect(RedisPod pod, Credentials credentials) {
        return client(pod.ip(), pod.port(), credentials).connect();
    }

    @Override
    public synchronized void close() {
        for (RedisClient client : clients) {
            try {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                // best effort: the next client must still be shut down
            }
        }
        clients.clear();
    }
}
