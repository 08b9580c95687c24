package io.github.mooring.internal.sentinel;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.Endpoint;
import io.github.mooring.discovery.EndpointListener;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.EndpointWatch;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.internal.probe.NodeClient;
import io.github.mooring.internal.probe.ProbeFailure;
import io.github.mooring.probe.ProbeResult;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ListOfMapsOutput;
import io.lettuce.core.output.MapOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to the Sentinels of a group over Pub/Sub. On every pod that Sentinels monitor (the probe counted their
 * subscriptions), it subscribes to {@code __sentinel__:hello}: each hello names its Sentinel, the master and the
 * configuration epoch, and Sentinel sends one at once when it has promoted a replica. Each Sentinel found there is
 * then asked for its events ({@code +switch-master}, {@code +new-epoch}, {@code +sdown}, {@code -sdown}, {@code +odown}, {@code +try-failover},
 * {@code +elected-leader}, {@code +failover-state-*}, {@code -failover-abort-*}, {@code -odown}), with the Sentinels'
 * own credentials; in the same write it asks that Sentinel which master it names ({@code SENTINEL MASTER <name>}, or
 * {@code SENTINEL MASTERS} before a name is known), so the master, its configuration epoch and a failover already under
 * way are known as soon as Mooring listens, not at the next hello ({@link SentinelAnswer}). Every message and answer
 * goes through {@link SentinelView#apply}, which orders them by configuration epoch. Where no hello confirms the view
 * (the pods refuse Mooring their hello channel), the Sentinels are asked again before it would be dropped.
 * <p>
 * With a {@code sentinelService} (Sentinels behind a Service of their own, or announcing addresses clients cannot
 * reach), the Sentinels subscribed to for events are exactly that Service's ready endpoints, discovered with the same
 * source as the Redis Service and followed as they change ({@link SentinelTargets}); the pods' hello channel is still
 * read for the master and epoch it names, but the addresses it announces are not connected to.
 * <p>
 * Connections do not reconnect by themselves: one that closes is opened again on the next probe round (pods) or the
 * next hello naming its Sentinel.
 */
public final class PubSubSentinelFollower implements SentinelFollower {

    private static final Logger log = LoggerFactory.getLogger("io.github.mooring.topology");

    private static final String[] SENTINEL_CHANNELS = {
        "+switch-master",
        "+promoted-slave",
        "+new-epoch",
        "+sdown",
        "-sdown",
        "+odown",
        "-odown",
        "+try-failover",
        "+elected-leader"
    };
    private static final String[] SENTINEL_PATTERNS = {"+failover-state-*", "-failover-abort-*"};

    private final SentinelSettings settings;
    private final NodeClient client;
    private final Map<String, CompletableFuture<StatefulRedisPubSubConnection<String, String>>> pods =
            new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<StatefulRedisPubSubConnection<String, String>>> sentinels =
            new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** The Sentinels' user and whether a password is set, to word refusals (see {@link SentinelRefusal}). */
    private final String sentinelUser;

    private final boolean hasSentinelPassword;
    /** Per Sentinel, the refusal last warned about: the same refusal again (every hello, every round) warns once. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();

    private volatile boolean closed;

    private final String namespace;
    /** The pods last probed and the {@code sentinelService}'s endpoints, by name (guarded by targetsLock). */
    private List<Endpoint> podEndpoints = List.of();

    private volatile SentinelNames names = SentinelNames.NONE;

    /** The {@code sentinelService}, or null when Sentinels are found through the pods' hello channel. */
    private final ServiceRef sentinelService;

    private final EndpointWatch serviceWatch;
    private final Set<String> announced = ConcurrentHashMap.newKeySet();
    /** The {@code sentinelService}'s endpoints as last discovered (guarded by targetsLock). */
    private List<Endpoint> serviceEndpoints = List.of();

    private Set<String> followedTargets = Set.of();
    private final Object targetsLock = new Object();

    // Guarded by this.
    private SentinelView view = SentinelView.NONE;
    private long heardNanos;
    /** The newest epoch each Sentinel announced on its own event channel ({@code +new-epoch}). */
    private final Map<String, Long> eventEpochs = new HashMap<>();

    /** The pods probed last: which master of a Sentinel's answer is the group's, before any name is heard. */
    private volatile Set<String> probed = Set.of();
    /** Asks the Sentinels again where no hello confirms the view ({@link #confirmQuietView()}). */
    private final Future<?> confirming;
    /** The reasons a Sentinel did not answer, each logged once. */
    private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    /** Finds the Sentinels through the pods' hello channel. */
    public PubSubSentinelFollower(SentinelSettings settings, ClientResources resources) {
        this(settings, resources, null, null);
    }

    /**
     * With {@code sentinelService} non-null, follows exactly the Sentinels {@code source} discovers behind it;
     * otherwise finds them through the pods' hello channel.
     */
    public PubSubSentinelFollower(
            SentinelSettings settings, ClientResources resources, EndpointSource source, ServiceRef sentinelService) {
        this(settings, resources, source, sentinelService, null);
    }

    /**
     * As above; host names the Sentinels announce are mapped to the pods (and Sentinels) discovered in {@code
     * namespace} ({@link SentinelNames}; null: in any namespace).
     */
    public PubSubSentinelFollower(
            SentinelSettings settings,
            ClientResources resources,
            EndpointSource source,
            ServiceRef sentinelService,
            String namespace) {
        this.namespace = namespace;
        this.settings = settings;
        RedisCredentials credentials = currentCredentials(settings.sentinelTemplate());
        this.sentinelUser = credentials == null ? null : credentials.getUsername();
        this.hasSentinelPassword = credentials != null && credentials.hasPassword();
        this.sentinelService = sentinelService;
        this.client = NodeClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .protocolVersion(ProtocolVersion.RESP2) // Sentinels and narrow ACL users may refuse HELLO
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.timeout())
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .sslOptions(settings.sslOptions())
                .build());
        this.serviceWatch = sentinelService == null ? null : source.watch(sentinelService, new ServiceListener());
        long every = Math.max(1, settings.forgetAfter().toMillis() / 3);
        this.confirming = resources
                .eventExecutorGroup()
                .scheduleWithFixedDelay(this::confirmQuietView, every, every, TimeUnit.MILLISECONDS);
    }

    /** Hears the {@code sentinelService}'s endpoints, on the source's thread. */
    private final class ServiceListener implements EndpointListener {
        /** The last error warned about: a source failing the same way again warns once (calls come one at a time). */
        private String lastError;

        @Override
        public void onEndpoints(EndpointSnapshot snapshot) {
            lastError = null;
            synchronized (targetsLock) {
                serviceEndpoints = snapshot.endpoints();
                updateNames();
            }
            followTargets();
        }

        @Override
        public void onError(DiscoveryException error) {
            // The Sentinels last discovered stay followed; probing goes on whatever the Sentinels say.
            String message = error.getMessage();
            if (!message.equals(lastError)) {
                lastError = message;
                log.warn("discovering the Sentinels of sentinelService {} failed: {}", sentinelService, message);
            }
        }
    }

    /**
     * With a {@code sentinelService}: holds an event subscription to each Sentinel {@link SentinelTargets} follows,
     * opens again one that closed, and drops the others.
     */
    private void followTargets() {
        if (closed || sentinelService == null) {
            return;
        }
        synchronized (targetsLock) {
            SentinelTargets targets = SentinelTargets.choose(Set.copyOf(announced), serviceEndpoints);
            Set<String> followed = targets.followed();
            if (!followed.equals(followedTargets)) {
                log.info("following the Sentinels of {}: {} (of {})", sentinelService, followed, targets.rules());
                followedTargets = followed;
            }
            for (String address : new ArrayList<>(sentinels.keySet())) {
                if (!followed.contains(address) || !open(sentinels.get(address))) {
                    drop(sentinels, address);
                }
            }
            for (String address : followed) {
                sentinels.computeIfAbsent(address, this::listenToEvents);
            }
        }
    }

    /** Called with targetsLock held. */
    private void updateNames() {
        List<Endpoint> named = new ArrayList<>(podEndpoints);
        named.addAll(serviceEndpoints);
        names = SentinelNames.of(namespace, named);
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public Duration failoverHold() {
        return settings.failoverHold();
    }

    @Override
    public void follow(List<ProbeResult> results) {
        if (closed) {
            return;
        }
        synchronized (targetsLock) {
            podEndpoints = results.stream().map(ProbeResult::endpoint).toList();
            updateNames();
        }
        Set<String> monitored = results.stream()
                .filter(ProbeResult::monitoredBySentinels)
                .map(r -> r.endpoint().address())
                .collect(Collectors.toSet());
        probed = results.stream().map(r -> r.endpoint().address()).collect(Collectors.toUnmodifiableSet());
        for (String address : new ArrayList<>(pods.keySet())) {
            if (!monitored.contains(address) || !open(pods.get(address))) {
                drop(pods, address);
            }
        }
        for (ProbeResult result : results) {
            if (result.monitoredBySentinels()) {
                pods.computeIfAbsent(result.endpoint().address(), address -> listenToHello(result.endpoint()));
            }
        }
        followTargets(); // opens again, once a round, a Sentinel connection that closed
    }

    @Override
    public synchronized SentinelView view() {
        if (view.known()
                && System.nanoTime() - heardNanos > settings.forgetAfter().toNanos()) {
            log.info(
                    "no Sentinel has confirmed master {} for {}: following probes alone",
                    view.master(),
                    settings.forgetAfter());
            view = SentinelView.NONE;
            eventEpochs.clear();
        }
        return view;
    }

    // ---------------------------------------------------------------- connections

    private CompletableFuture<StatefulRedisPubSubConnection<String, String>> listenToHello(Endpoint pod) {
        return subscribe(pod, settings.podTemplate(), "mooring-sentinel-hello", connection -> {
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    SentinelMessage.parse(channel, message)
                            .map(names::map)
                            .ifPresent(PubSubSentinelFollower.this::onHello);
                }
            });
            return connection.async().subscribe(SentinelMessage.HELLO_CHANNEL).toCompletableFuture();
        });
    }

    private void onHello(SentinelMessage message) {
        if (message instanceof SentinelMessage.Hello hello) {
            String sentinel = hello.sentinel();
            if (sentinelService != null) {
                // The Service decides which Sentinels are followed; the announced address may not be reachable.
                if (announced.add(sentinel)) {
                    followTargets();
                }
                observe(SentinelView.MasterAt.hello(hello), "hello from " + sentinel);
                return;
            }
            if (names.map(sentinel).rule() != SentinelNames.Rule.IP_ADDRESS) {
                // A host name no discovered pod carries: never looked up through the system's resolver.
                log.debug("Sentinel {} announces a name no discovered pod carries: not subscribed to", sentinel);
                observe(SentinelView.MasterAt.hello(hello), "hello from " + sentinel);
                return;
            }
            CompletableFuture<StatefulRedisPubSubConnection<String, String>> existing = sentinels.get(sentinel);
            if (existing == null || !open(existing)) {
                drop(sentinels, sentinel);
                sentinels.computeIfAbsent(sentinel, address -> listenToEvents(address));
            }
            observe(SentinelView.MasterAt.hello(hello), "hello from " + sentinel);
        }
    }

    private CompletableFuture<StatefulRedisPubSubConnection<String, String>> listenToEvents(String sentinel) {
        Endpoint endpoint = endpoint(sentinel);
        return subscribe(endpoint, settings.sentinelTemplate(), "mooring-sentinel-events", connection -> {
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    SentinelMessage.parse(channel, message).map(names::map).ifPresent(m -> onEvent(sentinel, m));
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    message(channel, message);
                }
            });
            // The question goes out with the subscriptions, in one write: Sentinel answers it and subscribes in one
            // go, so no event falls between its answer and the first event heard, and the answer comes first.
            connection.setAutoFlushCommands(false);
            askForTheMaster(connection).whenComplete((answer, failure) -> onAnswer(sentinel, answer, failure));
            CompletableFuture<?> channels =
                    connection.async().subscribe(SENTINEL_CHANNELS).toCompletableFuture();
            CompletableFuture<?> patterns =
                    connection.async().psubscribe(SENTINEL_PATTERNS).toCompletableFuture();
            connection.flushCommands();
            connection.setAutoFlushCommands(true);
            return CompletableFuture.allOf(channels, patterns);
        });
    }

    /**
     * {@code SENTINEL MASTER <name>} once a name was heard, else {@code SENTINEL MASTERS}: what the Sentinel names as
     * master now, as a list of masters' fields.
     */
    private CompletableFuture<List<Map<String, String>>> askForTheMaster(
            StatefulRedisPubSubConnection<String, String> connection) {
        String name = view().masterName();
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
        if (name != null) {
            return connection
                    .async()
                    .dispatch(
                            CommandType.SENTINEL,
                            new MapOutput<>(StringCodec.UTF8),
                            args.add("MASTER").add(name))
                    .toCompletableFuture()
                    .thenApply(List::of);
        }
        return connection
                .async()
                .dispatch(CommandType.SENTINEL, new ListOfMapsOutput<>(StringCodec.UTF8), args.add("MASTERS"))
                .toCompletableFuture();
    }

    /**
     * Where no hello has confirmed the view for half of {@code forgetAfter} (the pods refuse Mooring the hello channel:
     * an ACL user without channels), asks each Sentinel followed again, so that a view the Sentinels still hold is not
     * dropped as if they were gone. Only the master and its epoch count: this connection is not ordered with the
     * events, so a failover its answer shows may be one whose end was heard already.
     */
    private void confirmQuietView() {
        String name;
        synchronized (this) {
            if (closed
                    || !view.known()
                    || System.nanoTime() - heardNanos < settings.forgetAfter().toNanos() / 2) {
                return;
            }
            name = view.masterName();
        }
        for (String sentinel : List.copyOf(sentinels.keySet())) {
            client.connectAsync(
                            endpoint(sentinel), settings.sentinelTemplate(), settings.timeout(), "mooring-sentinel-ask")
                    .toCompletableFuture()
                    .thenCompose(connection -> connection
                            .async()
                            .dispatch(
                                    CommandType.SENTINEL,
                                    new MapOutput<>(StringCodec.UTF8),
                                    new CommandArgs<>(StringCodec.UTF8)
                                            .add("MASTER")
                                            .add(name))
                            .toCompletableFuture()
                            .whenComplete((answer, failure) -> connection.closeAsync()))
                    .whenComplete((answer, failure) -> {
                        if (failure != null) { // a Sentinel gone: the view is dropped in time, as without hellos
                            log.debug("asking Sentinel {} again failed: {}", sentinel, failure.toString());
                            return;
                        }
                        SentinelAnswer.Master.parse(answer)
                                .map(master -> SentinelAnswer.choose(List.of(master), name, probed))
                                .map(choice -> choice.observations(sentinel))
                                .filter(observations -> !observations.isEmpty())
                                .ifPresent(
                                        observations -> observe(observations.get(0), "answer again from " + sentinel));
                    });
        }
    }

    /** Folds a Sentinel's answer into the view, as its hello would be ({@link SentinelAnswer}). */
    private void onAnswer(String sentinel, List<Map<String, String>> answer, Throwable failure) {
        if (failure != null) {
            // Not fatal: its next hello (within 2 s) tells the same, where the pods let Mooring read the hello channel.
            String reason = failure.getMessage();
            if (unanswered.add(String.valueOf(reason))) {
                log.info(
                        "Sentinel {} did not say which master it names ({}): it is learnt from the next hello instead"
                                + " (a Sentinel user needs +sentinel|master, and +sentinel|masters before a hello)",
                        sentinel,
                        reason);
            }
            return;
        }
        List<SentinelAnswer.Master> masters = answer.stream()
                .map(SentinelAnswer.Master::parse)
                .flatMap(Optional::stream)
                .toList();
        SentinelAnswer.Choice choice = SentinelAnswer.choose(masters, view().masterName(), probed);
        log.debug("Sentinel {} answered {} (rule {})", sentinel, choice.master(), choice.rule());
        for (SentinelView.Observation observation : choice.observations(sentinel)) {
            observe(observation, "answer from " + sentinel);
        }
    }

    private void onEvent(String sentinel, SentinelMessage message) {
        if (message instanceof SentinelMessage.NewEpoch epoch) {
            synchronized (this) {
                eventEpochs.merge(sentinel, epoch.epoch(), Math::max);
            }
        } else if (message instanceof SentinelMessage.Switch to) {
            long epoch;
            synchronized (this) {
                epoch = eventEpochs.getOrDefault(sentinel, -1L);
            }
            observe(
                    new SentinelView.MasterAt(to.masterName(), to.to(), to.from(), epoch),
                    to.event() + " from " + sentinel);
        } else if (message instanceof SentinelMessage.Failover failover) {
            observe(
                    new SentinelView.FailoverOf(
                            failover.masterName(),
                            failover.master(),
                            failover.event(),
                            failover.inProgress(),
                            sentinel,
                            failover.replica()),
                    failover.event() + " from " + sentinel);
        }
    }

    private void observe(SentinelView.Observation observation, String from) {
        SentinelView before;
        SentinelView.Step step;
        synchronized (this) {
            before = view();
            step = SentinelView.apply(before, observation);
            view = step.view();
            if (step.rule() != SentinelView.Rule.OTHER_GROUP && step.view().known()) {
                heardNanos = System.nanoTime();
            }
        }
        if (!step.view().equals(before)) {
            boolean moved = step.moved(before);
            log.debug("Sentinel view: {} ({}, rule {})", step.view(), from, step.rule());
            listeners.forEach(listener -> listener.changed(step.view(), moved));
        }
    }

    private interface Subscription {
        CompletableFuture<?> subscribe(StatefulRedisPubSubConnection<String, String> connection);
    }

    private CompletableFuture<StatefulRedisPubSubConnection<String, String>> subscribe(
            Endpoint endpoint, RedisURI template, String clientName, Subscription subscription) {
        return client.connectPubSubAsync(endpoint, template, settings.timeout(), clientName)
                .toCompletableFuture()
                .thenCompose(connection -> subscription
                        .subscribe(connection)
                        .whenComplete((ignored, refused) -> {
                            if (refused != null) { // NOPERM on the channel, say: the connection is of no use
                                connection.closeAsync();
                            }
                        })
                        .thenApply(ignored -> connection))
                .whenComplete((connection, failure) -> {
                    if (failure == null) {
                        refusals.remove(endpoint.address());
                        return;
                    }
                    // Logged, not thrown: without Sentinel events the monitor still follows by probing.
                    String refusal = template == settings.sentinelTemplate()
                            ? ProbeFailure.credentialsRefusal(failure)
                            : null; // a pod refusing its credentials: the probes report that, as CredentialsRejected
                    if (refusal == null) {
                        log.debug("listening to Sentinels via {} failed: {}", endpoint.address(), failure.toString());
                    } else if (!refusal.equals(refusals.put(endpoint.address(), refusal))) {
                        log.warn(SentinelRefusal.warning(
                                endpoint.address(), sentinelUser, hasSentinelPassword, refusal));
                    }
                });
    }

    /**
     * The Sentinels' credentials as the template holds them now, for warnings only (never logged): a supplier's resolve
     * at once; a provider that has not answered yet counts as none.
     */
    private static RedisCredentials currentCredentials(RedisURI template) {
        RedisCredentialsProvider provider = template.getCredentialsProvider();
        try {
            return provider == null
                    ? null
                    : provider.resolveCredentials().toFuture().getNow(null);
        } catch (RuntimeException notResolved) {
            return null;
        }
    }

    private static boolean open(CompletableFuture<StatefulRedisPubSubConnection<String, String>> connection) {
        return connection != null
                && (!connection.isDone()
                        || !connection.isCompletedExceptionally()
                                && connection.join().isOpen());
    }

    private static void drop(
            Map<String, CompletableFuture<StatefulRedisPubSubConnection<String, String>>> connections, String address) {
        CompletableFuture<StatefulRedisPubSubConnection<String, String>> future = connections.remove(address);
        if (future != null) {
            future.thenAccept(StatefulRedisPubSubConnection::closeAsync);
        }
    }

    /** {@code ip:port} or {@code [v6]:port} as an endpoint. */
    static Endpoint endpoint(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        return Endpoint.of(host, Integer.parseInt(address.substring(colon + 1)));
    }

    @Override
    public void close() {
        closed = true;
        confirming.cancel(false);
        if (serviceWatch != null) {
            serviceWatch.close();
        }
        pods.clear();
        sentinels.clear();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
