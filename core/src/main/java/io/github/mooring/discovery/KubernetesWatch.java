package io.github.mooring.discovery;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@link KubernetesSource}: a list, then a watch from the list's resourceVersion, into a cache of the
 * objects by name; every change recomputes the whole endpoint list from the cache (so a missed or reordered event
 * cannot leave a stale entry behind). The source re-establishes the watch itself, by {@link WatchRestart}'s rules:
 * fabric8 is asked for no reconnect of its own ({@code watchReconnectLimit} 0), because its reconnect waits
 * {@code watchReconnectInterval} (1 s) and tells no one, so a change made meanwhile arrived up to a second late.
 */
final class KubernetesWatch implements EndpointWatch {

    private static final Logger log = LoggerFactory.getLogger(KubernetesWatch.class);

    private final KubernetesApi api;
    // The API's client without fabric8's own watch reconnect; null once closed: it shares the JDK HttpClient, which a
    // closed source must not keep reachable (on Java 17 its selector thread lives as long as it is reachable).
    private volatile KubernetesClient watchClient;
    private final ServiceRef service;
    private final EndpointListener listener;
    private final KubernetesApi.Resource resource;
    private final ScheduledExecutorService loop; // lists and (re)starts watches, one step at a time
    private final Map<String, HasMetadata> cache = new LinkedHashMap<>(); // guarded by this
    private boolean listed; // guarded by this: the cache holds a list's answer (an empty cache is then the truth)
    private volatile String resourceVersion; // of the last list, event or bookmark
    private volatile Attempt attempt; // the watch now open or being opened; null between attempts
    private volatile int failures; // failed attempts in a row (WatchRestart)
    private final AtomicBoolean verifying = new AtomicBoolean();
    private final Pacing pacing;
    private final AtomicInteger verifications = new AtomicInteger();
    private final AtomicInteger catchUps = new AtomicInteger();
    private final AtomicInteger restarts = new AtomicInteger();
    private final AtomicInteger lists = new AtomicInteger();
    private final AtomicInteger watches = new AtomicInteger();
    private volatile long lastVerifiedNanos = System.nanoTime();
    private volatile long spokeAtNanos = System.nanoTime(); // when the watch last delivered an event or bookmark
    private volatile EndpointSnapshot current;
    private DiscoveryException lastError; // guarded by this
    private boolean closed; // guarded by this

    /**
     * How often the watch is checked against a list: every {@code interval} (every {@code urgentInterval} while there
     * is no master), how long a list may be ahead of the watch before it counts as missed, how long a watch may be
     * silent (no event, no bookmark) before the periodic check lists at all, and the backoff of failed attempts to
     * list and watch ({@link WatchRestart}: {@code retry} after the first failure, doubling up to {@code retryCap}).
     */
    record Pacing(
            Duration interval,
            Duration urgentInterval,
            Duration catchUp,
            Duration silence,
            Duration retry,
            Duration retryCap) {
        /**
         * 30 s, 1 s, 2 s, 2 min (the API server sends a watch that asked for them a bookmark about every minute),
         * and a backoff from 200 ms to 30 s.
         */
        static final Pacing DEFAULT = new Pacing(
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofMinutes(2),
                Duration.ofMillis(200),
                Duration.ofSeconds(30));

        /** With the default backoff. */
        Pacing(Duration interval, Duration urgentInterval, Duration catchUp, Duration silence) {
            this(interval, urgentInterval, catchUp, silence, DEFAULT.retry(), DEFAULT.retryCap());
        }
    }

    /** One watch request: when it was made, and whether it delivered anything. */
    private static final class Attempt {
        final long startedNanos = System.nanoTime();
        volatile boolean delivered;
        volatile Watch watch;
    }

    private KubernetesWatch(
            KubernetesApi api,
            ServiceRef service,
            EndpointListener listener,
            KubernetesApi.Resource resource,
            Pacing pacing) {
        this.api = api;
        this.pacing = pacing;
        this.service = service;
        this.listener = listener;
        this.resource = resource;
        this.watchClient = withoutWatchReconnect(api.client());
        this.loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mooring-watch-" + service.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The same client (same HTTP client, credentials and settings) with {@code watchReconnectLimit} 0: a watch that
     * ends is then closed with a {@code WatcherException} that reaches the source's watcher, instead of being
     * re-established by fabric8 after its {@code watchReconnectInterval} without a word. Never closed: it shares the
     * client's resources ({@code WatchRestartIT} fails if fabric8 reconnects by itself again).
     */
    private static KubernetesClient withoutWatchReconnect(KubernetesClient client) {
        RequestConfig requestConfig = new RequestConfigBuilder(
                        client.getConfiguration().getRequestConfig())
                .withWatchReconnectLimit(0)
                .build();
        return client.newClient(requestConfig).adapt(KubernetesClient.class);
    }

    static KubernetesWatch start(
            KubernetesApi api,
            ServiceRef service,
            EndpointListener listener,
            boolean endpointsFallback,
            Pacing pacing) {
        KubernetesApi.Resource resource = KubernetesApi.Resource.ENDPOINT_SLICES;
        if (endpointsFallback) {
            try {
                api.list(KubernetesApi.Resource.ENDPOINT_SLICES, service);
            } catch (RuntimeException e) {
                if (KubernetesApi.isNotFound(e)) {
                    log.info(
                            "{} does not serve discovery.k8s.io/v1 EndpointSlices; reading core v1 Endpoints for {}",
                            api.masterUrl(),
                            service);
                    resource = KubernetesApi.Resource.ENDPOINTS;
                }
                // Any other failure: the first list meets it too, reports it, and the source keeps retrying.
            }
        }
        KubernetesWatch watch = new KubernetesWatch(api, service, listener, resource, pacing);
        watch.loop.execute(() -> watch.connect(true));
        return watch;
    }

    /** One attempt, on the loop thread: a list if asked (or if there is no resourceVersion yet), then a watch. */
    private void connect(boolean list) {
        if (isClosed()) {
            return;
        }
        if (list || resourceVersion == null) {
            if (!listIntoCache()) {
                scheduleNext(WatchRestart.End.FAILED);
                return;
            }
        }
        Attempt next = new Attempt();
        Attempt previous = attempt;
        attempt = next; // a watch of a chain started twice (a restart racing a watch end) is ignored and closed
        if (previous != null && previous.watch != null) {
            previous.watch.close();
        }
        watches.incrementAndGet();
        try {
            ListOptions options = new ListOptionsBuilder()
                    .withResourceVersion(resourceVersion)
                    .withAllowWatchBookmarks(true)
                    // As client-go: the server ends each watch after 5 to 10 minutes, and the source watches again.
                    .withTimeoutSeconds(300L + ThreadLocalRandom.current().nextLong(300))
                    .build();
            next.watch = watch(options, next);
        } catch (RuntimeException e) {
            // A WebSocket watch fails here when refused; a plain-HTTP one ends through SourceWatcher.onClose.
            if (attempt == next) {
                reportError(api.translate(e, resource, service));
                attempt = null;
                scheduleNext(WatchRestart.End.FAILED);
            }
        }
    }

    private Watch watch(ListOptions options, Attempt attempt) {
        KubernetesClient watchClient = this.watchClient;
        if (watchClient == null) {
            throw new IllegalStateException(this + " is closed");
        }
        return resource == KubernetesApi.Resource.ENDPOINT_SLICES
                ? watchClient
                        .discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace(service.namespace())
                        .withLabel(KubernetesApi.SERVICE_NAME_LABEL, service.name())
                        .watch(options, new SourceWatcher<>(attempt))
                : watchClient
                        .endpoints()
                        .inNamespace(service.namespace())
                        .withField("metadata.name", service.name())
                        .watch(options, new SourceWatcher<>(attempt));
    }

    /** Lists into the cache (replacing it) and publishes; false after reporting why the list failed. */
    private boolean listIntoCache() {
        KubernetesResourceList<? extends HasMetadata> answer = listOrReport();
        if (answer == null) {
            return false;
        }
        synchronized (this) {
            cache.clear();
            for (HasMetadata object : answer.getItems()) {
                cache.put(object.getMetadata().getName(), object);
            }
            listed = true;
            resourceVersion = answer.getMetadata().getResourceVersion();
        }
        publish(); // the list may show what the watch would have: deliver() compares, so nothing is sent twice
        return true;
    }

    /** Decides the next attempt ({@link WatchRestart}) and schedules it on the loop. */
    private void scheduleNext(WatchRestart.End end) {
        WatchRestart.Step step = WatchRestart.next(
                end,
                failures,
                pacing.retry(),
                pacing.retryCap(),
                ThreadLocalRandom.current().nextDouble());
        failures = step.failures();
        if (end != WatchRestart.End.WORKED) {
            log.debug(
                    "{}: the watch on {} ended ({}); next attempt in {} ms",
                    sourceName(),
                    service,
                    end,
                    step.delay().toMillis());
        }
        try {
            loop.schedule(() -> connect(step.list()), step.delay().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    /** Receives one watch's events and its end; ignores a watch that is no longer the current one. */
    private final class SourceWatcher<T extends HasMetadata> implements Watcher<T> {
        private final Attempt mine;

        SourceWatcher(Attempt mine) {
            this.mine = mine;
        }

        @Override
        public void eventReceived(Action action, T object) {
            if (attempt != mine || object == null || object.getMetadata() == null) {
                return;
            }
            mine.delivered = true;
            spokeAtNanos = System.nanoTime();
            boolean changed;
            synchronized (KubernetesWatch.this) {
                String name = object.getMetadata().getName();
                changed = switch (action) {
                    case ADDED, MODIFIED -> {
                        cache.put(name, object);
                        yield true;
                    }
                    case DELETED -> {
                        cache.remove(name);
                        yield true;
                    }
                    default -> false; // BOOKMARK: only the version moves; ERROR ends the watch
                };
                if (object.getMetadata().getResourceVersion() != null) {
                    resourceVersion = object.getMetadata().getResourceVersion();
                }
            }
            if (changed) {
                publish();
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            if (attempt != mine) {
                return; // replaced, or closed by the source
            }
            attempt = null;
            WatchRestart.End end = WatchRestart.classify(
                    cause.isHttpGone(), mine.delivered, Duration.ofNanos(System.nanoTime() - mine.startedNanos));
            if (end == WatchRestart.End.GONE) {
                log.debug("{}: the watch on {} is past the API server's history (410); listing", sourceName(), service);
            }
            scheduleNext(end);
        }

        @Override
        public void onClose() {
            // closed by the source itself (restart or close)
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private void publish() {
        List<Endpoint> endpoints = new ArrayList<>();
        DiscoveryException problem;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!listed) {
                return; // before the first list, an empty cache means nothing
            }
            List<HasMetadata> objects = new ArrayList<>(cache.values());
            problem = collect(objects, endpoints);
            deliver(endpoints, problem);
            notifyAll(); // a verification may be waiting for the watch to catch up
        }
    }

    /** Hands endpoints (and the problem that left them empty, if any) to the listener; called holding the lock. */
    private void deliver(List<Endpoint> endpoints, DiscoveryException problem) {
        EndpointSnapshot next = EndpointSnapshot.now(sourceName(), endpoints);
        if (!next.sameEndpoints(current)) {
            current = next;
            listener.onEndpoints(next);
        }
        // After the snapshot: a listener takes new endpoints as the end of earlier problems.
        if (problem != null) {
            reportError(problem);
        } else if (lastError != null) {
            log.info("{}: discovery of {} recovered", sourceName(), service);
            lastError = null;
        }
    }

    /** Fills {@code out} from the cached objects; returns the problem that leaves it empty, if any. */
    private DiscoveryException collect(List<? extends HasMetadata> objects, List<Endpoint> out) {
        if (objects.isEmpty()) {
            return new DiscoveryException(
                    DiscoveryException.Reason.SERVICE_NOT_FOUND,
                    KubernetesSource.NAME,
                    service + " not found: no "
                            + (resource == KubernetesApi.Resource.ENDPOINT_SLICES
                                    ? "EndpointSlice labelled " + KubernetesApi.SERVICE_NAME_LABEL + "="
                                            + service.name()
                                    : "Endpoints object named '" + service.name() + "'")
                            + ". Check the Service name and namespace (the namespace defaults to the pod's own),"
                            + " and that the Service has a selector");
        }
        Map<String, Endpoint> byAddress = new LinkedHashMap<>();
        Set<String> portsSeen = new LinkedHashSet<>();
        boolean portFound = false;
        // One address family per Service (a dual-stack Service has a slice of each): each pod is one endpoint.
        Optional<IpFamilyPreference.Family> family = service.ipFamily().choose(sliceFamilies(objects));
        Set<String> otherFamilies = new LinkedHashSet<>();
        for (HasMetadata object : objects) {
            if (object instanceof EndpointSlice slice) {
                Optional<IpFamilyPreference.Family> type =
                        IpFamilyPreference.Family.ofAddressType(slice.getAddressType());
                if (type.isPresent() && !type.equals(family)) {
                    otherFamilies.add(slice.getAddressType());
                    continue;
                }
                portFound |= collectSlice(slice, byAddress, portsSeen);
            } else if (object instanceof Endpoints legacy
                    && legacy.getMetadata().getName().equals(service.name())) {
                portFound |= collectEndpoints(legacy, byAddress, portsSeen);
            }
        }
        out.addAll(byAddress.values());
        if (!out.isEmpty()) {
            return null;
        }
        if (family.isEmpty() && !otherFamilies.isEmpty()) {
            return new DiscoveryException(
                    DiscoveryException.Reason.NO_ENDPOINTS,
                    KubernetesSource.NAME,
                    service + " has only " + String.join(" and ", otherFamilies) + " EndpointSlices, and Mooring is"
                            + " set to use " + service.ipFamily().propertyValue() + " addresses: set"
                            + " MooringOptions.ipFamily (mooring.ip-family) to ipv4-preferred, or to the Service's"
                            + " family");
        }
        if (!portFound && !portsSeen.isEmpty()) {
            return new DiscoveryException(
                    DiscoveryException.Reason.PORT_NOT_FOUND,
                    KubernetesSource.NAME,
                    service + " has no " + service.port() + " (its ports: " + String.join(", ", portsSeen)
                            + "). Set the port name or number Mooring should use");
        }
        // The Service exists (its EndpointSlice or Endpoints object does) but lists no pod: scaled to zero, or every
        // pod deleted. Not a lasting problem: pods come back.
        return new DiscoveryException(
                DiscoveryException.Reason.NO_ENDPOINTS,
                KubernetesSource.NAME,
                service + " has no endpoints: check that its pods are running and pass their readiness probe,"
                        + " and that its selector matches them");
    }

    /** Adds the slice's endpoints on the chosen port; returns whether the slice has that port. */
    private boolean collectSlice(EndpointSlice slice, Map<String, Endpoint> out, Set<String> portsSeen) {
        Integer port = null;
        for (io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort p : nullSafe(slice.getPorts())) {
            portsSeen.add(describePort(p.getName(), p.getPort()));
            if (service.port().matches(p.getName(), p.getPort())) {
                port = p.getPort();
            }
        }
        if (port == null) {
            return false;
        }
        for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e : nullSafe(slice.getEndpoints())) {
            EndpointConditions c = e.getConditions();
            // Per the API, a missing condition means ready / not terminating.
            boolean ready = c == null || c.getReady() == null || c.getReady();
            boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
            String pod = podName(e.getTargetRef(), e.getHostname());
            // The API says consumers use the first address only (the others are for future use): one per pod.
            List<String> addresses = nullSafe(e.getAddresses());
            if (!addresses.isEmpty()) {
                Endpoint endpoint = new Endpoint(addresses.get(0), port, pod, ready, terminating);
                out.putIfAbsent(endpoint.address(), endpoint);
            }
        }
        return true;
    }

    /** Adds the Endpoints object's addresses on the chosen port; returns whether a subset has that port. */
    private boolean collectEndpoints(Endpoints legacy, Map<String, Endpoint> out, Set<String> portsSeen) {
        boolean found = false;
        for (EndpointSubset subset : nullSafe(legacy.getSubsets())) {
            Integer port = null;
            for (EndpointPort p : nullSafe(subset.getPorts())) {
                portsSeen.add(describePort(p.getName(), p.getPort()));
                if (service.port().matches(p.getName(), p.getPort())) {
                    port = p.getPort();
                }
            }
            if (port == null) {
                continue;
            }
            found = true;
            for (EndpointAddress a : nullSafe(subset.getAddresses())) {
                out.putIfAbsent(
                        a.getIp() + ":" + port,
                        new Endpoint(a.getIp(), port, podName(a.getTargetRef(), a.getHostname()), true, false));
            }
            for (EndpointAddress a : nullSafe(subset.getNotReadyAddresses())) {
                out.putIfAbsent(
                        a.getIp() + ":" + port,
                        new Endpoint(a.getIp(), port, podName(a.getTargetRef(), a.getHostname()), false, false));
            }
        }
        return found;
    }

    /** The address families of the Service's EndpointSlices ({@code FQDN} slices have none). */
    private static Set<IpFamilyPreference.Family> sliceFamilies(List<? extends HasMetadata> objects) {
        Set<IpFamilyPreference.Family> families = EnumSet.noneOf(IpFamilyPreference.Family.class);
        for (HasMetadata object : objects) {
            if (object instanceof EndpointSlice slice) {
                IpFamilyPreference.Family.ofAddressType(slice.getAddressType()).ifPresent(families::add);
            }
        }
        return families;
    }

    private static String podName(ObjectReference ref, String hostname) {
        if (ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null) {
            return ref.getName();
        }
        return hostname;
    }

    private static String describePort(String name, Integer number) {
        return (name == null || name.isEmpty() ? "(unnamed)" : "'" + name + "'") + " " + number;
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }

    private synchronized void reportError(DiscoveryException error) {
        if (closed) {
            return;
        }
        boolean repeated = lastError != null
                && lastError.reason() == error.reason()
                && String.valueOf(lastError.getMessage()).equals(error.getMessage());
        lastError = error;
        if (!repeated) {
            log.warn("{}: {}", sourceName(), error.getMessage());
        }
        listener.onError(error);
    }

    @Override
    public Optional<EndpointSnapshot> current() {
        return Optional.ofNullable(current);
    }

    /**
     * A watch can die without telling: a connection dropped before the first event can leave it waiting forever. So
     * now and then ({@link Pacing#interval()}, or {@link Pacing#urgentInterval()} when urgent) the source lists what
     * it watches and compares resourceVersions with its cache ({@link WatchProgress}); a watch that does not catch up
     * with the list is restarted. While attempts to list and watch fail, their own lists are the checks: nothing more
     * is asked of an API server that refuses or is gone ({@link WatchRestart}'s backoff bounds it).
     */
    @Override
    public void refresh() {
        if (failures > 0 || spokeWithin(pacing.silence())) {
            return; // retrying with backoff, or a watch that delivers (events or bookmarks) or was checked lately
        }
        verifyIfOlderThan(pacing.interval(), false);
    }

    /**
     * Whether the watch delivered within {@code window}, or a list checked it: every event counts, and so does every
     * bookmark, which the API server sends about once a minute on a healthy watch that asked for them (the source's
     * watch does). A quiet watch without bookmarks is listed once a window.
     */
    private boolean spokeWithin(Duration window) {
        long lastSign = spokeAtNanos - lastVerifiedNanos > 0 ? spokeAtNanos : lastVerifiedNanos;
        return System.nanoTime() - lastSign < window.toNanos();
    }

    @Override
    public void refreshUrgently() {
        if (failures > 0) {
            return; // the next attempt lists anyway, at the backoff's pace
        }
        verifyIfOlderThan(pacing.urgentInterval(), true);
    }

    private void verifyIfOlderThan(Duration interval, boolean urgent) {
        if (closed
                || System.nanoTime() - lastVerifiedNanos < interval.toNanos()
                || !verifying.compareAndSet(false, true)) {
            return;
        }
        Thread verifier = new Thread(
                () -> {
                    try {
                        verify(urgent);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        lastVerifiedNanos = System.nanoTime();
                        verifying.set(false);
                    }
                },
                "mooring-verify-" + service.name());
        verifier.setDaemon(true);
        verifier.start();
    }

    /**
     * Compares the watch with a list. A list races a live watch (it may show a change whose event is milliseconds
     * away), so a difference is not yet a fault: the watch gets {@link Pacing#catchUp()} to deliver it, and only a
     * second list that still disagrees with the cache restarts the watch. When urgent (no master), endpoints the
     * list shows and the watch has not delivered are used at once; the watch's own events converge on the same state.
     */
    private void verify(boolean urgent) throws InterruptedException {
        verifications.incrementAndGet();
        Map<String, String> cachedBeforeList = cachedVersions();
        List<? extends HasMetadata> listed = itemsOrReport();
        if (listed == null || listed.isEmpty()) {
            return; // a failure is reported; an empty list: the watch's next attempt lists and reports it
        }
        Map<String, String> listedVersions = WatchProgress.versions(listed);
        if (WatchProgress.judge(cachedBeforeList, listedVersions, cachedVersions()) == WatchProgress.Verdict.IN_STEP) {
            return;
        }
        if (urgent) {
            deliverIfDifferent(listed);
        }
        if (awaitCatchUp(cachedBeforeList, listedVersions)) {
            catchUps.incrementAndGet();
            log.debug("{}: the watch on {} caught up with a list that was ahead of it", sourceName(), service);
            return;
        }
        // Versions are opaque: the first list may even have been older than the cache. Confirm with a fresh one.
        Map<String, String> cachedBeforeConfirmation = cachedVersions();
        List<? extends HasMetadata> confirmation = itemsOrReport();
        if (confirmation == null
                || confirmation.isEmpty()
                || WatchProgress.judge(cachedBeforeConfirmation, WatchProgress.versions(confirmation), cachedVersions())
                        == WatchProgress.Verdict.IN_STEP) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            restarts.incrementAndGet();
            log.warn(
                    "{}: the watch on {} has not delivered changes the API server made {} ms ago or more (its"
                            + " connection may have dropped silently); using a fresh list and restarting the watch",
                    sourceName(),
                    service,
                    pacing.catchUp().toMillis());
            List<Endpoint> endpoints = new ArrayList<>();
            deliver(endpoints, collect(confirmation, endpoints));
            Attempt stale = attempt;
            attempt = null;
            if (stale != null && stale.watch != null) {
                stale.watch.close();
            }
            try {
                loop.execute(() -> connect(true));
            } catch (RejectedExecutionException closing) {
                // closed meanwhile
            }
        }
    }

    /** The listed objects, or null after reporting why the list failed. */
    private List<? extends HasMetadata> itemsOrReport() {
        KubernetesResourceList<? extends HasMetadata> answer = listOrReport();
        return answer == null ? null : answer.getItems();
    }

    /** A list of what the source watches, or null after reporting why it failed. */
    private KubernetesResourceList<? extends HasMetadata> listOrReport() {
        lists.incrementAndGet();
        try {
            return resource == KubernetesApi.Resource.ENDPOINT_SLICES
                    ? api.client()
                            .discovery()
                            .v1()
                            .endpointSlices()
                            .inNamespace(service.namespace())
                            .withLabel(KubernetesApi.SERVICE_NAME_LABEL, service.name())
                            .list()
                    : api.client()
                            .endpoints()
                            .inNamespace(service.namespace())
                            .withField("metadata.name", service.name())
                            .list();
        } catch (RuntimeException e) {
            reportError(api.translate(e, resource, service));
            return null;
        }
    }

    private Map<String, String> cachedVersions() {
        synchronized (this) {
            return WatchProgress.versions(new ArrayList<>(cache.values()));
        }
    }

    /** Waits for the watch's events (each {@link #publish()} wakes it) until the cache caught up, or time is up. */
    private synchronized boolean awaitCatchUp(Map<String, String> cachedBeforeList, Map<String, String> listed)
            throws InterruptedException {
        long deadline = System.nanoTime() + pacing.catchUp().toNanos();
        while (WatchProgress.judge(cachedBeforeList, listed, cachedVersions()) == WatchProgress.Verdict.BEHIND) {
            long left = deadline - System.nanoTime();
            if (closed || left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    private synchronized void deliverIfDifferent(List<? extends HasMetadata> listed) {
        if (closed) {
            return;
        }
        List<Endpoint> endpoints = new ArrayList<>();
        DiscoveryException problem = collect(listed, endpoints);
        if (!EndpointSnapshot.now(sourceName(), endpoints).sameEndpoints(current)) {
            log.debug(
                    "{}: using endpoints of {} that a list shows and the watch has not delivered yet",
                    sourceName(),
                    service);
            deliver(endpoints, problem);
        }
    }

    /** How many times the source listed to check its watch (for tests and diagnostics). */
    int verifications() {
        return verifications.get();
    }

    /** How many times a list was ahead of the watch and the watch then caught up. */
    int catchUps() {
        return catchUps.get();
    }

    /** How many times the watch was found broken and restarted. */
    int restarts() {
        return restarts.get();
    }

    /** How many lists the source asked for (its attempts' and its checks'), answered or not. */
    int lists() {
        return lists.get();
    }

    /** How many watches the source asked for, established or not. */
    int watches() {
        return watches.get();
    }

    @Override
    public String sourceName() {
        return resource == KubernetesApi.Resource.ENDPOINT_SLICES
                ? KubernetesSource.NAME
                : KubernetesSource.NAME + " (endpoints)";
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        loop.shutdownNow();
        watchClient = null;
        Attempt last = attempt;
        attempt = null;
        if (last != null && last.watch != null) {
            last.watch.close();
        }
        api.close();
    }

    @Override
    public String toString() {
        return "KubernetesWatch[" + service + ", " + sourceName() + "]";
    }
}
