package io.github.mooring.testing;

import io.github.mooring.testkit.RedisPod;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stopwatch for role changes: asks each pod {@code ROLE} every few milliseconds on a connection of its own, on a
 * thread of its own, and records when each pod's answer changed ({@link System#nanoTime()} of the first poll that saw
 * it). The moment of a promotion is known to within one poll.
 */
public final class RoleWatch implements AutoCloseable {

    /** A pod answered {@code role} where it answered something else before ({@code at}: the same moment, wall clock). */
    public record Flip(RedisPod pod, String from, String role, long nanoTime, Instant at) {}

    private final RedisClient client;
    private final List<RedisPod> pods;
    private final Map<RedisPod, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();
    private final Map<RedisPod, String> last = new HashMap<>();
    private final List<Flip> flips = new ArrayList<>();
    private final ScheduledExecutorService poller;

    private RoleWatch(ClientResources resources, List<RedisPod> pods, Duration every) {
        this.client = RedisClient.create(resources);
        this.pods = List.copyOf(pods);
        // No reconnecting in the background (Lettuce's reconnect waits for its timer's tick, ~100 ms): a connection
        // that died (Sentinel's CLIENT KILL after a promotion, a stopped pod) is replaced on the next poll.
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(200))
                        .build())
                .build());
        poll(); // the roles before anything happens: no flips
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "role-watch");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::poll, 0, every.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Starts polling {@code pods} every {@code every}. */
    public static RoleWatch start(ClientResources resources, List<RedisPod> pods, Duration every) {
        return new RoleWatch(resources, pods, every);
    }

    private void poll() {
        for (RedisPod pod : pods) {
            String role;
            try {
                role = String.valueOf(connection(pod).sync().role().get(0));
            } catch (RuntimeException e) {
                role = "unreachable";
            }
            long now = System.nanoTime();
            Instant at = Instant.now();
            synchronized (this) {
                String before = last.put(pod, role);
                if (before != null && !before.equals(role)) {
                    flips.add(new Flip(pod, before, role, now, at));
                }
            }
        }
    }

    private StatefulRedisConnection<String, String> connection(RedisPod pod) {
        StatefulRedisConnection<String, String> connection = connections.get(pod);
        if (connection != null && connection.isOpen()) {
            return connection;
        }
        if (connection != null) {
            connection.closeAsync();
            connections.remove(pod);
        }
        RedisURI uri = RedisURI.builder()
                .withHost(pod.ip())
                .withPort(pod.port())
                .withTimeout(Duration.ofMillis(500))
                .build();
        connection = client.connect(uri);
        connections.put(pod, connection);
        return connection;
    }

    /** The first time a pod was seen turning into {@code role} ("master", "slave"). */
    public synchronized Optional<Flip> firstFlipTo(String role) {
        return flips.stream().filter(f -> f.role().equals(role)).findFirst();
    }

    /** The first time {@code pod} was seen turning into {@code role}. */
    public synchronized Optional<Flip> firstFlipTo(RedisPod pod, String role) {
        return flips.stream()
                .filter(f -> f.pod() == pod && f.role().equals(role))
                .findFirst();
    }

    public synchronized List<Flip> flips() {
        return List.copyOf(flips);
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
            try {
                poller.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connections.values().forEach(StatefulRedisConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
