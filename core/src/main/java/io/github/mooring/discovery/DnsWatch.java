package io.github.mooring.discovery;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsErrorCauseException;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@link DnsSource}: one event loop thread that queries on a fixed delay, or at once on {@link #refresh()},
 * never two queries at a time.
 */
final class DnsWatch implements EndpointWatch {

    private static final Logger log = LoggerFactory.getLogger(DnsWatch.class);

    private final DnsSource settings;
    private final ServiceRef service;
    private final EndpointListener listener;
    private final EventLoopGroup group;
    private final DnsNameResolver resolver;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final String describedServers;
    private volatile EndpointSnapshot current;
    private volatile boolean closed;
    private String lastError;

    @SuppressWarnings("deprecation") // NioEventLoopGroup: the one event loop API in both Netty 4.1 and 4.2
    private DnsWatch(DnsSource settings, ServiceRef service, EndpointListener listener) {
        this.settings = settings;
        this.service = service;
        this.listener = listener;
        this.group = new NioEventLoopGroup(1, runnable -> {
            Thread thread = new Thread(runnable, "mooring-dns-" + service.name());
            thread.setDaemon(true);
            return thread;
        });
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(group.next())
                .channelType(NioDatagramChannel.class)
                // Every query goes to the server: caches would hide exactly the changes this source exists to see.
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                // A and/or AAAA as the Service's address family is chosen (deliver() keeps one family).
                .resolvedAddressTypes(addressTypes(service.ipFamily()))
                .queryTimeoutMillis(settings.queryTimeout().toMillis());
        if (!settings.nameServers().isEmpty()) {
            builder.nameServerProvider(new SequentialDnsServerAddressStreamProvider(settings.nameServers()));
            describedServers = settings.nameServers().toString();
        } else {
            builder.nameServerProvider(DnsServerAddressStreamProviders.platformDefault());
            describedServers = "the nameservers of /etc/resolv.conf";
        }
        if (settings.searchDomains() != null) {
            builder.searchDomains(settings.searchDomains());
        }
        if (settings.ndots() >= 0) {
            builder.ndots(settings.ndots());
        }
        this.resolver = builder.build();
    }

    /** The record types to ask: both where the Service's family is found out from the answers. */
    static ResolvedAddressTypes addressTypes(IpFamilyPreference ipFamily) {
        return switch (ipFamily) {
            case IPV4_PREFERRED -> ResolvedAddressTypes.IPV4_PREFERRED;
            case IPV6_PREFERRED -> ResolvedAddressTypes.IPV6_PREFERRED;
            case IPV4_ONLY -> ResolvedAddressTypes.IPV4_ONLY;
            case IPV6_ONLY -> ResolvedAddressTypes.IPV6_ONLY;
        };
    }

    static DnsWatch start(DnsSource settings, ServiceRef service, EndpointListener listener) {
        DnsWatch watch = new DnsWatch(settings, service, listener);
        long period = settings.interval().toMillis();
        watch.group.scheduleWithFixedDelay(watch::refresh, 0, period, TimeUnit.MILLISECONDS);
        return watch;
    }

    @Override
    public void refresh() {
        if (closed || !inFlight.compareAndSet(false, true)) {
            return;
        }
        group.execute(() -> {
            Future<List<Endpoint>> lookup = settings.srv() ? lookupSrv() : lookupAddresses();
            lookup.addListener(done -> {
                inFlight.set(false);
                if (done.isSuccess()) {
                    @SuppressWarnings("unchecked")
                    List<Endpoint> endpoints = (List<Endpoint>) done.getNow();
                    // A dual-stack Service answers A and AAAA: one family, each pod once.
                    deliver(service.ipFamily().select(endpoints));
                } else {
                    failed(done.cause());
                }
            });
        });
    }

    private Future<List<Endpoint>> lookupAddresses() {
        String name = settings.hostnameFor(service);
        int port = settings.portFor(service);
        Promise<List<Endpoint>> promise = group.next().newPromise();
        resolver.resolveAll(name).addListener(done -> {
            if (!done.isSuccess()) {
                promise.tryFailure(done.cause());
                return;
            }
            List<Endpoint> endpoints = new ArrayList<>();
            @SuppressWarnings("unchecked")
            List<InetAddress> addresses = (List<InetAddress>) done.getNow();
            for (InetAddress address : addresses) {
                endpoints.add(new Endpoint(address.getHostAddress(), port, null, true, false));
            }
            promise.trySuccess(endpoints);
        });
        return promise;
    }

    private Future<List<Endpoint>> lookupSrv() {
        Promise<List<Endpoint>> promise = group.next().newPromise();
        resolver.resolveAll(new DefaultDnsQuestion(settings.srvNameFor(service), DnsRecordType.SRV))
                .addListener(done -> {
                    if (!done.isSuccess()) {
                        promise.tryFailure(done.cause());
                        return;
                    }
                    @SuppressWarnings("unchecked")
                    List<DnsRecord> records = (List<DnsRecord>) done.getNow();
                    List<String[]> targets = new ArrayList<>(); // {target, port}
                    for (DnsRecord record : records) {
                        if (record instanceof DnsRawRecord raw && record.type().equals(DnsRecordType.SRV)) {
                            ByteBuf data = raw.content().duplicate();
                            data.skipBytes(4); // priority, weight
                            int port = data.readUnsignedShort();
                            targets.add(new String[] {readName(data), Integer.toString(port)});
                        }
                        ReferenceCountUtil.release(record);
                    }
                    resolveTargets(targets, 0, new ArrayList<>(), promise);
                });
        return promise;
    }

    /** Resolves SRV targets one after another (a handful of pods) on the event loop. */
    private void resolveTargets(
            List<String[]> targets, int index, List<Endpoint> out, Promise<List<Endpoint>> promise) {
        if (index == targets.size()) {
            promise.trySuccess(out);
            return;
        }
        String target = targets.get(index)[0];
        int port = Integer.parseInt(targets.get(index)[1]);
        String pod = target.contains(".") ? target.substring(0, target.indexOf('.')) : target;
        resolver.resolveAll(target.endsWith(".") ? target : target + ".").addListener(done -> {
            if (done.isSuccess()) {
                @SuppressWarnings("unchecked")
                List<InetAddress> addresses = (List<InetAddress>) done.getNow();
                for (InetAddress address : addresses) {
                    out.add(new Endpoint(address.getHostAddress(), port, pod, true, false));
                }
            } else {
                log.debug(
                        "SRV target {} of {} does not resolve: {}",
                        target,
                        service,
                        done.cause().toString());
            }
            resolveTargets(targets, index + 1, out, promise);
        });
    }

    /** Reads an uncompressed domain name (RFC 2782 forbids compressing an SRV target). */
    private static String readName(ByteBuf data) {
        StringBuilder name = new StringBuilder();
        while (data.isReadable()) {
            int length = data.readUnsignedByte();
            if (length == 0 || (length & 0xC0) != 0) {
                break;
            }
            name.append(data.readCharSequence(length, StandardCharsets.US_ASCII))
                    .append('.');
        }
        return name.toString();
    }

    private synchronized void deliver(List<Endpoint> endpoints) {
        if (closed) {
            return;
        }
        if (lastError != null) {
            log.info("dns: {} resolves again", settings.hostnameFor(service));
            lastError = null;
        }
        EndpointSnapshot next = EndpointSnapshot.now(DnsSource.NAME, endpoints);
        if (next.sameEndpoints(current)) {
            return;
        }
        current = next;
        listener.onEndpoints(next);
    }

    private synchronized void failed(Throwable cause) {
        if (closed) {
            return;
        }
        String name = settings.srv() ? settings.srvNameFor(service) : settings.hostnameFor(service);
        DiscoveryException error;
        DnsErrorCauseException dnsError = KubernetesApi.find(cause, DnsErrorCauseException.class);
        if (dnsError != null && DnsResponseCode.NXDOMAIN.equals(dnsError.getCode())
                || cause.getMessage() != null && cause.getMessage().contains("NXDOMAIN")) {
            error = new DiscoveryException(
                    DiscoveryException.Reason.NOT_RESOLVABLE,
                    DnsSource.NAME,
                    "DNS name '" + name + "' does not resolve (NXDOMAIN from " + describedServers + "): check the "
                            + "Service name and namespace, that the Service is headless (clusterIP: None), and that"
                            + " it has ready pods (" + service + ")",
                    cause);
            // A headless Service without ready pods answers NXDOMAIN too: no endpoints is the truth then.
            if (current != null && !current.endpoints().isEmpty()) {
                current = EndpointSnapshot.now(DnsSource.NAME, List.of());
                listener.onEndpoints(current);
            }
        } else if (KubernetesApi.find(cause, DnsNameResolverTimeoutException.class) != null) {
            error = new DiscoveryException(
                    DiscoveryException.Reason.UNREACHABLE,
                    DnsSource.NAME,
                    "no answer from " + describedServers + " for '" + name + "' within "
                            + settings.queryTimeout().toMillis() + " ms; keeping the last known endpoints of "
                            + service,
                    cause);
        } else {
            error = new DiscoveryException(
                    DiscoveryException.Reason.NOT_RESOLVABLE,
                    DnsSource.NAME,
                    "DNS lookup of '" + name + "' via " + describedServers + " failed: "
                            + KubernetesApi.rootMessage(cause) + " (" + service + ")" + familyHint(),
                    cause);
        }
        if (!error.getMessage().equals(lastError)) {
            log.warn("dns: {}", error.getMessage());
            lastError = error.getMessage();
        }
        listener.onError(error);
    }

    /** Where only one family's records are asked, a name with records of the other only fails: say so. */
    private String familyHint() {
        return switch (service.ipFamily()) {
            case IPV4_ONLY, IPV6_ONLY ->
                "; only " + (service.ipFamily() == IpFamilyPreference.IPV4_ONLY ? "A" : "AAAA")
                        + " records were asked, as MooringOptions.ipFamily (mooring.ip-family) is "
                        + service.ipFamily().propertyValue() + ": set it to ipv4-preferred if the Service has the other"
                        + " family";
            case IPV4_PREFERRED, IPV6_PREFERRED -> "";
        };
    }

    @Override
    public Optional<EndpointSnapshot> current() {
        return Optional.ofNullable(current);
    }

    @Override
    public String sourceName() {
        return DnsSource.NAME;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        resolver.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "DnsWatch[" + settings.hostnameFor(service) + "]";
    }
}
