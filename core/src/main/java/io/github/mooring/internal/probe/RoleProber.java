package io.github.mooring.internal.probe;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.probe.Role;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Asks pods what they are. One small connection per pod, kept between rounds, sends
 * {@code INFO replication persistence keyspace server cluster} (the sections the election reads, in one command;
 * Redis before 7.0 takes one section per {@code INFO}, so a connection that refuses the form asks the first four one
 * by one from then on, {@code server}'s {@code redis_mode} saying what {@code cluster} would) and {@code PUBSUB NUMSUB __sentinel__:hello} (how many Sentinels monitor the pod), back to back
 * (pipelined), and turns the answers into a {@link ProbeResult}: two commands per probe on Redis 7, five before. Every
 * probe of a round runs concurrently, and each is bounded by the probe timeout: a frozen pod costs one timeout, not a
 * hung round. A failed connection is dropped and opened afresh next round.
 * <p>
 * Used by the topology monitor; public so that tools and tests can probe pods the same way.
 */
public final class RoleProber implements Prober {

    private static final String[] SECTIONS = {"replication", "persistence", "keyspace", "server"};
    /** One {@code INFO}'s sections: {@code cluster} says whether the pod is a Redis Cluster node. */
    private static final String[] ONE_INFO_SECTIONS = {"replication", "persistence", "keyspace", "server", "cluster"};

    /** Addresses whose kept connection refused the four sections in one {@code INFO} (Redis before 7.0). */
    private final Set<String> sectionBySection = ConcurrentHashMap.newKeySet();

    /** Every Sentinel subscribes to this channel on each pod it monitors, and publishes its view of the group. */
    static final String SENTINEL_HELLO_CHANNEL = "__sentinel__:hello";

    private final ProbeSettings settings;
    private final NodeClient client;
    private final Map<String, CompletableFuture<StatefulRedisConnection<String, String>>> connections =
            new ConcurrentHashMap<>();
    private final ExecutorService resolver;
    private volatile Consumer<String> connectionLost = address -> {};
    private volatile boolean closed;

    /** Probes through {@code resources} (shared with the application's client; not shut down here). */
    public RoleProber(ProbeSettings settings, ClientResources resources) {
        this.settings = settings;
        this.client = NodeClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false) // a failed probe connection is replaced on the next round instead
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .protocolVersion(ProtocolVersion.RESP2) // AUTH + INFO only: works with the narrowest ACL
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.connectTimeout())
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .sslOptions(settings.sslOptions())
                .build());
        this.resolver = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "mooring-probe-resolver");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public CompletableFuture<List<ProbeResult>> probe(Collection<Endpoint> endpoints) {
        List<CompletableFuture<ProbeResult>> probes = new ArrayList<>();
        for (Endpoint endpoint : endpoints) {
            probes.add(probe(endpoint));
        }
        return CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new))
                .thenApply(
                        ignored -> probes.stream().map(CompletableFuture::join).collect(Collectors.toList()));
    }

    /** Probes one endpoint; never completes exceptionally. */
    public CompletableFuture<ProbeResult> probe(Endpoint endpoint) {
        Instant probedAt = Instant.now();
        long start = System.nanoTime();
        if (closed) {
            return CompletableFuture.completedFuture(
                    ProbeResult.failed(endpoint, probedAt, Duration.ZERO, "the prober is closed"));
        }
        String key = endpoint.address();
        boolean reused = isOpen(connections.get(key));
        CompletableFuture<Answer> answered =
                connectionSayingWhy(endpoint).thenCompose(connection -> ask(key, connection.async()));
        if (reused) {
            // The pod may have closed the kept connection a moment ago (a restart, CLIENT KILL): that says nothing
            // about the pod, so ask once more on a new connection, which meets what a client would meet now.
            answered = answered.exceptionallyCompose(failure -> {
                if (closed || ProbeFailure.of(failure).description().equals(ProbeFailure.NO_ANSWER)) {
                    return CompletableFuture.failedFuture(failure);
                }
                drop(key);
                return connection(endpoint).thenCompose(connection -> ask(key, connection.async()));
            });
        }
        return answered.thenCompose(answer -> resolveMaster(answer.report())
                        .thenApply(addresses -> ProbeResult.reached(
                                endpoint, probedAt, since(start), answer.report(), addresses, answer.sentinelLinks())))
                .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((result, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedFuture(result);
                    }
                    drop(key);
                    ProbeFailure why = ProbeFailure.of(failure);
                    if (why.kind() == ProbeFailure.Kind.CREDENTIALS_REJECTED) {
                        return user().thenApply(user -> ProbeResult.credentialsRejected(
                                endpoint, probedAt, since(start), why.description(), user));
                    }
                    return CompletableFuture.completedFuture(
                            ProbeResult.failed(endpoint, probedAt, since(start), why.description()));
                })
                .thenCompose(result -> result);
    }

    /**
     * The user the probe authenticated as: the user name of the credentials the URI's provider gives now (only the
     * name is kept), {@code "default"} without one.
     */
    private CompletableFuture<String> user() {
        RedisCredentialsProvider provider = settings.uriTemplate().getCredentialsProvider();
        if (provider == null) {
            return CompletableFuture.completedFuture(DEFAULT_USER);
        }
        return provider.resolveCredentials()
                .map(credentials -> credentials.hasUsername() ? credentials.getUsername() : DEFAULT_USER)
                .toFuture()
                .completeOnTimeout(DEFAULT_USER, settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(unknown -> DEFAULT_USER);
    }

    /** Redis's name for the user of a connection that gives no user name. */
    static final String DEFAULT_USER = "default";

    @Override
    public void retain(Collection<Endpoint> endpoints) {
        Set<String> keep = endpoints.stream().map(Endpoint::address).collect(Collectors.toSet());
        for (String address : new ArrayList<>(connections.keySet())) {
            if (!keep.contains(address)) {
                drop(address);
            }
        }
    }

    @Override
    public void reconnect(String address) {
        drop(address);
    }

    @Override
    public void onConnectionLost(Consumer<String> listener) {
        connectionLost = Objects.requireNonNull(listener, "listener");
    }

    private static boolean isOpen(CompletableFuture<StatefulRedisConnection<String, String>> connection) {
        return connection != null
                && connection.isDone()
                && !connection.isCompletedExceptionally()
                && connection.join().isOpen();
    }

    /**
     * A connection to {@code endpoint}; when Lettuce lost the reason its handshake failed
     * ({@link ProbeFailure#handshakeOutcomeLost}), one more attempt, which meets that reason (a refused password).
     */
    private CompletableFuture<StatefulRedisConnection<String, String>> connectionSayingWhy(Endpoint endpoint) {
        return connection(endpoint).exceptionallyCompose(failure -> {
            if (closed || !ProbeFailure.handshakeOutcomeLost(failure)) {
                return CompletableFuture.failedFuture(failure);
            }
            drop(endpoint.address());
            return connection(endpoint);
        });
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> connection(Endpoint endpoint) {
        CompletableFuture<StatefulRedisConnection<String, String>> cached = connections.get(endpoint.address());
        if (cached != null
                && cached.isDone()
                && !cached.isCompletedExceptionally()
                && !cached.join().isOpen()) {
            drop(endpoint.address()); // the pod closed it (restarted, killed): open a new one
        }
        return connections.computeIfAbsent(
                endpoint.address(),
                address -> client.connectAsync(endpoint, settings.uriTemplate(), settings.timeout(), "mooring-probe")
                        .toCompletableFuture()
                        .thenApply(connection -> watchClose(address, connection)));
    }

    /**
     * Tells the listener when the pod closes {@code connection} while it is still the one kept for {@code address}
     * ({@link #drop} forgets a connection before it closes it, so the prober's own closes say nothing).
     */
    private StatefulRedisConnection<String, String> watchClose(
            String address, StatefulRedisConnection<String, String> connection) {
        // Lettuce's connections are RedisChannelHandlers (6.8 and 7.x), whose state listeners hear of a channel that
        // went inactive; RoleProberIT fails if a pod's CLIENT KILL is no longer heard.
        ((RedisChannelHandler<?, ?>) connection).addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> disconnected) {
                CompletableFuture<StatefulRedisConnection<String, String>> kept = connections.get(address);
                if (!closed && kept != null && kept.getNow(null) == connection) {
                    connectionLost.accept(address);
                }
            }
        });
        return connection;
    }

    /** What one pod answered. */
    private record Answer(NodeReport report, int sentinelLinks) {}

    private CompletableFuture<Answer> ask(String address, RedisAsyncCommands<String, String> commands) {
        CompletableFuture<NodeReport> report = sectionBySection.contains(address)
                ? infoSectionBySection(commands)
                : commands.dispatch(CommandType.INFO, new StatusOutput<>(StringCodec.UTF8), sectionArgs())
                        .toCompletableFuture()
                        .thenApply(InfoParser::parse);
        // Optional knowledge: a Sentinel process, or an ACL user without +pubsub, refuses it, and the probe still
        // counts (the election then simply does not know about Sentinels on that pod).
        CompletableFuture<Integer> sentinelLinks = commands.pubsubNumsub(SENTINEL_HELLO_CHANNEL)
                .toCompletableFuture()
                .thenApply(counts -> counts.values().stream()
                        .findFirst()
                        .map(Long::intValue)
                        .orElse(ProbeResult.UNKNOWN_SENTINEL_LINKS))
                .exceptionally(refused -> ProbeResult.UNKNOWN_SENTINEL_LINKS);
        if (!sectionBySection.contains(address)) {
            report = report.exceptionallyCompose(failure -> {
                if (!InfoParser.refusesSeveralSections(failure)) {
                    return CompletableFuture.failedFuture(failure);
                }
                sectionBySection.add(address); // until the connection is dropped: another server may come
                return infoSectionBySection(commands);
            });
        }
        return report.thenCombine(sentinelLinks, Answer::new);
    }

    /** {@code replication persistence keyspace server cluster}, for one {@code INFO}. */
    private static CommandArgs<String, String> sectionArgs() {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
        for (String section : ONE_INFO_SECTIONS) {
            args.add(section);
        }
        return args;
    }

    private static CompletableFuture<NodeReport> infoSectionBySection(RedisAsyncCommands<String, String> commands) {
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (String section : SECTIONS) {
            replies.add(commands.info(section).toCompletableFuture());
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> InfoParser.parse(
                        replies.get(0).join(),
                        replies.get(1).join(),
                        replies.get(2).join(),
                        replies.get(3).join()));
    }

    /** The IPs a replica's {@code master_host} stands for (a host name needs a lookup, off the I/O thread). */
    private CompletableFuture<Set<String>> resolveMaster(NodeReport report) {
        String host = report.role() == Role.REPLICA ? report.masterHost() : null;
        if (host == null || host.isEmpty()) {
            return CompletableFuture.completedFuture(Set.of());
        }
        if (isIpLiteral(host)) {
            return CompletableFuture.completedFuture(Set.of(host));
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        Set<String> addresses = new LinkedHashSet<>();
                        for (InetAddress address : InetAddress.getAllByName(host)) {
                            addresses.add(address.getHostAddress());
                        }
                        return addresses;
                    } catch (UnknownHostException e) {
                        return Set.<String>of();
                    }
                },
                resolver);
    }

    /** Whether {@code host} is an IP address (dotted IPv4, or anything with a colon: IPv6), never a name to look up. */
    public static boolean isIpLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.indexOf(':') >= 0;
    }

    private void drop(String address) {
        sectionBySection.remove(address);
        CompletableFuture<StatefulRedisConnection<String, String>> future = connections.remove(address);
        if (future != null) {
            future.thenAccept(StatefulRedisConnection::closeAsync);
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Override
    public Duration timeout() {
        return settings.timeout();
    }

    @Override
    public void close() {
        closed = true;
        connections.clear(); // the client's shutdown closes them
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resolver.shutdownNow();
    }
}
