package io.github.mooring.discovery;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@link KubernetesSource}: one informer, whose every event recomputes the whole endpoint list from the
 * informer's cache (so a missed or reordered event cannot leave a stale entry behind).
 */
final class KubernetesWatch implements EndpointWatch {

    private static final Logger log = LoggerFactory.getLogger(KubernetesWatch.class);

    private final KubernetesApi api;
    private final ServiceRef service;
    private final EndpointListener listener;
    private final KubernetesApi.Resource resource;
    private volatile SharedIndexInformer<? extends HasMetadata> informer;
    private final AtomicBoolean verifying = new AtomicBoolean();
    private final Pacing pacing;
    private final AtomicInteger verifications = new AtomicInteger();
    private final AtomicInteger catchUps = new AtomicInteger();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile long lastVerifiedNanos = System.nanoTime();
    private volatile long notWatchingSince = -1; // System.nanoTime() since the informer is not watching, -1 while it is
    private volatile String lastSyncSeen; // the informer's lastSyncResourceVersion at the last check
    private volatile long spokeAtNanos = System.nanoTime(); // when the watch last moved that version
    private volatile EndpointSnapshot current;
    private DiscoveryException lastError; // guarded by this
    private boolean closed; // guarded by this

    /**
     * How often the watch is checked against a list: every {@code interval} (every {@code urgentInterval} while there
     * is no master or the watch is down), how long a list may be ahead of the watch before it counts as missed, and
     * how long a watch may be silent (no event, no bookmark) before the periodic check lists at all.
     */
    record Pacing(Duration interval, Duration urgentInterval, Duration catchUp, Duration silence) {
        /**
         * 30 s, 1 s, 2 s (longer than fabric8's 1 s wait before it re-establishes a closed watch), and 2 min (the API
         * server sends a watch that asked for them, as fabric8's informer does, a bookmark about every minute).
         */
        static final Pacing DEFAULT =
                new Pacing(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMinutes(2));
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
        this.informer = newInformer();
    }

    private SharedIndexInformer<? extends HasMetadata> newInformer() {
        return resource == KubernetesApi.Resource.ENDPOINT_SLICES
                ? api.client()
                        .discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace(service.namespace())
                        .withLabel(KubernetesApi.SERVICE_NAME_LABEL, service.name())
                        .runnableInformer(0)
                : api.client()
                        .endpoints()
                        .inNamespace(service.namespace())
                        .withField("metadata.name", service.name())
                        .runnableInformer(0);
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
                // Any other failure: the informer meets it too, reports it, and keeps retrying.
            }
        }
        KubernetesWatch watch = new KubernetesWatch(api, service, listener, resource, pacing);
        watch.begin();
        return watch;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void begin() {
        SharedIndexInformer<? extends HasMetadata> informer = this.informer;
        ((SharedIndexInformer) informer).addEventHandler(new ResourceEventHandler<HasMetadata>() {
            @Override
            public void onAdd(HasMetadata obj) {
                publish();
            }

            @Override
            public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
                publish();
            }

            @Override
            public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
                publish();
            }
        });
        // The default handler gives up on a failed first list (403, unreachable) and on most watch errors. The last
        // known endpoints stay valid while the API is away, so keep retrying and say what is wrong.
        informer.exceptionHandler((started, failure) -> {
            reportError(api.translate(failure, resource, service));
            return true;
        });
        informer.start().whenComplete((ignored, failure) -> {
            if (this.informer != informer) {
                return; // replaced meanwhile
            }
            if (failure == null) {
                publish(); // the initial list may have been empty: no event fires for that
            } else {
                reportError(api.translate(failure, resource, service));
            }
        });
    }

    private void publish() {
        List<Endpoint> endpoints = new ArrayList<>();
        DiscoveryException problem;
        synchronized (this) {
            if (closed) {
                return;
            }
            List<? extends HasMetadata> objects = informer.getStore().list();
            if (objects.isEmpty() && !confirmedAbsent()) {
                notifyAll();
                return; // the informer's cache is behind the API server: its next event brings the objects
            }
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

    /** Whether the API server itself lists nothing for the Service (the informer's cache may lag behind). */
    private boolean confirmedAbsent() {
        try {
            return api.list(resource, service) == 0;
        } catch (RuntimeException e) {
            return false; // cannot tell; the informer reports the failure itself
        }
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
     * A watch can die without telling: with the JDK HTTP client, a connection dropped before the first event leaves
     * the watch waiting forever. So now and then ({@link Pacing#interval()}, or {@link Pacing#urgentInterval()} when
     * urgent) the source lists what it watches and compares resourceVersions with the informer's cache
     * ({@link WatchProgress}); a watch that does not catch up with the list is restarted.
     */
    @Override
    public void refresh() {
        boolean down = watchDown();
        if (!down && spokeWithin(pacing.silence())) {
            return; // a watch that delivers (events or bookmarks), or was checked lately, is alive: no list
        }
        verifyIfOlderThan(down ? pacing.urgentInterval() : pacing.interval(), false);
    }

    /**
     * Whether the watch moved the informer's last synced resourceVersion within {@code window}, or a list checked it:
     * every event moves it, and so does every bookmark, which the API server sends about once a minute on a healthy
     * watch that asked for them (fabric8's informer does). A quiet watch without bookmarks is listed once a window.
     */
    private boolean spokeWithin(Duration window) {
        String sync = informer.lastSyncResourceVersion();
        long now = System.nanoTime();
        if (sync != null && !sync.equals(lastSyncSeen)) {
            lastSyncSeen = sync;
            spokeAtNanos = now;
        }
        long lastSign = spokeAtNanos - lastVerifiedNanos > 0 ? spokeAtNanos : lastVerifiedNanos;
        return now - lastSign < window.toNanos();
    }

    /**
     * Whether the informer has not been watching for {@link #WATCH_DOWN}. fabric8 retries a watch that cannot be
     * re-established (API server unreachable, 403 after RBAC was revoked) forever, with backoff, and never tells the
     * informer's exception handler: only a list says why, and the source checks at the urgent pace meanwhile.
     */
    private boolean watchDown() {
        if (informer.isWatching()) {
            notWatchingSince = -1;
            return false;
        }
        long now = System.nanoTime();
        if (notWatchingSince == -1) {
            notWatchingSince = now;
        }
        return now - notWatchingSince >= WATCH_DOWN;
    }

    @Override
    public void refreshUrgently() {
        verifyIfOlderThan(pacing.urgentInterval(), true);
    }

    /** Longer than a watch renewal or a reconnect after a dropped connection (fabric8 waits 1 s first). */
    private static final long WATCH_DOWN = TimeUnit.SECONDS.toNanos(2);

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
     * second list that still disagrees with the cache restarts the informer. When urgent (no master), endpoints the
     * list shows and the watch has not delivered are used at once; the watch's own events converge on the same state.
     */
    private void verify(boolean urgent) throws InterruptedException {
        verifications.incrementAndGet();
        Map<String, String> cachedBeforeList = cachedVersions();
        List<? extends HasMetadata> listed = listOrReport();
        if (listed == null || listed.isEmpty()) {
            return; // a failure is reported; an empty list is the informer's to report (it checks itself)
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
        List<? extends HasMetadata> confirmation = listOrReport();
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
            SharedIndexInformer<? extends HasMetadata> stale = informer;
            informer = newInformer();
            stale.close();
            begin();
        }
    }

    /** The listed objects, or null after reporting why the list failed. */
    private List<? extends HasMetadata> listOrReport() {
        try {
            return resource == KubernetesApi.Resource.ENDPOINT_SLICES
                    ? api.client()
                            .discovery()
                            .v1()
                            .endpointSlices()
                            .inNamespace(service.namespace())
                            .withLabel(KubernetesApi.SERVICE_NAME_LABEL, service.name())
                            .list()
                            .getItems()
                    : api.client()
                            .endpoints()
                            .inNamespace(service.namespace())
                            .withField("metadata.name", service.name())
                            .list()
                            .getItems();
        } catch (RuntimeException e) {
            reportError(api.translate(e, resource, service));
            return null;
        }
    }

    private Map<String, String> cachedVersions() {
        return WatchProgress.versions(informer.getStore().list());
    }

    /** Waits for the informer's events (each {@link #publish()} wakes it) until the cache caught up, or time is up. */
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
        informer.close();
        api.close();
    }

    @Override
    public String toString() {
        return "KubernetesWatch[" + service + ", " + sourceName() + "]";
    }
}
