package io.github.mooring.examples;

import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.event.Event;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsCacheEntry;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.Disposable;

/**
 * The application as most teams connect it today: plain Lettuce, default options, pointed at the master pod's
 * stable DNS name {@code redis-0.redis.<namespace>.svc.cluster.local}.
 * <p>
 * Why that name: with a StatefulSet whose pod 0 starts as master (the common charts' startup script), it is the
 * address that reaches the master; the headless Service's own name answers every ready pod and would send writes
 * to replicas even on a calm day. Lettuce resolves the name again on every reconnect through cluster DNS, and
 * honours the answer's TTL (30 s, as CoreDNS ships), as the JVM's resolver would.
 */
final class PlainLettuceContender implements Contender {

    private final String hostname;
    private final ClientResources resources;
    private final DefaultDnsCache dnsCache;
    private final RedisClient client;
    private final Disposable events;
    private final StatefulRedisConnection<String, String> connection;
    private volatile String connectedIp;

    private PlainLettuceContender(
            SimulatedNamespace ns,
            RedisStatefulSet set,
            Duration timeout,
            PodLabels labels,
            Consumer<String> narrator) {
        this.hostname = set.podDnsName(0);
        this.dnsCache = new DefaultDnsCache();
        // The namespace's cluster DNS stands in for the one in /etc/resolv.conf; the cache is shared to show what
        // the client will connect to next.
        DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(
                        new SingletonDnsServerAddressStreamProvider(ns.dns().address()))
                .resolveCache(dnsCache));
        this.resources =
                DefaultClientResources.builder().addressResolverGroup(resolver).build();
        this.events = resources.eventBus().get().subscribe(event -> onEvent(event, labels, narrator));
        RedisClient created = null;
        try {
            created = RedisClient.create(
                    resources,
                    RedisURI.builder()
                            .withHost(hostname)
                            .withPort(set.port())
                            .withTimeout(timeout)
                            .build());
            this.connection = created.connect();
            this.client = created;
        } catch (RuntimeException e) {
            if (created != null) {
                created.shutdown();
            }
            events.dispose();
            resources.shutdown();
            throw e;
        }
    }

    static PlainLettuceContender connect(
            SimulatedNamespace ns,
            RedisStatefulSet set,
            Duration timeout,
            PodLabels labels,
            Consumer<String> narrator) {
        return new PlainLettuceContender(ns, set, timeout, labels, narrator);
    }

    /** The name it connects to. */
    String hostname() {
        return hostname;
    }

    @Override
    public String name() {
        return "plain Lettuce";
    }

    @Override
    public RedisAsyncCommands<String, String> commands() {
        return connection.async();
    }

    @Override
    public String believedMaster(PodLabels labels) {
        String ip = connectedIp;
        if (ip != null) {
            return labels.label(ip);
        }
        List<? extends DnsCacheEntry> cached = dnsCache.get(hostname, null);
        if (cached != null && !cached.isEmpty() && cached.get(0).address() != null) {
            return "(down) " + labels.name(cached.get(0).address().getHostAddress());
        }
        // The cached answer expired: the next reconnect attempt asks DNS again.
        return "(down) DNS answer expired";
    }

    @Override
    public boolean reportsFateUnknown() {
        return false;
    }

    @Override
    public void close() {
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            events.dispose();
            resources.shutdown();
        }
    }

    private void onEvent(Event event, PodLabels labels, Consumer<String> narrator) {
        if (event instanceof ConnectionActivatedEvent activated) {
            connectedIp = ipOf(activated.remoteAddress());
            narrator.accept(name() + ": connected to "
                    + (connectedIp == null ? activated.remoteAddress() : labels.name(connectedIp)));
        } else if (event instanceof ConnectionDeactivatedEvent deactivated) {
            String ip = ipOf(deactivated.remoteAddress());
            connectedIp = null;
            narrator.accept(name() + ": connection to " + (ip == null ? deactivated.remoteAddress() : labels.name(ip))
                    + " lost; reconnecting to " + hostname);
        }
    }

    private static String ipOf(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return null;
    }
}
