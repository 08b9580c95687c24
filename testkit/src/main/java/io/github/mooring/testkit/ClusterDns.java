package io.github.mooring.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The namespace's cluster DNS: a real DNS server over UDP on 127.0.0.1 (random port) that answers as
 * CoreDNS does for a headless Service.
 * <ul>
 * <li>{@code A <service>.<ns>.svc.cluster.local}: the IPs of the ready pods, in rotating order (NXDOMAIN when there
 * are none);</li>
 * <li>{@code A <pod>.<service>.<ns>.svc.cluster.local}: that pod's IP while it is published;</li>
 * <li>{@code AAAA} for the same names: the IPv6 addresses of an IPv6 or dual-stack Service's pods (an A query
 * gets only IPv4 addresses, an AAAA query only IPv6 ones, NOERROR with no answer when there are none);</li>
 * <li>{@code SRV _<port-name>._tcp.<service>.<ns>.svc.cluster.local}: one record per ready pod, targeting its
 * pod name, with its A (and AAAA) records in the additional section;</li>
 * <li>NXDOMAIN for every other name, NOERROR with no answer for other record types of a known name.</li>
 * </ul>
 * Every answer carries the configured TTL (default 30 s, as in the CoreDNS config Kubernetes ships): clients that
 * honour it see changes late, which is exactly what the kit needs to show.
 * <p>
 * CoreDNS's {@code cache} plugin ({@code cache 30} in the Corefile Kubernetes ships) can be turned on with
 * {@link #cache(Duration)}: an answer (NXDOMAIN included) is then kept per name and type for the records' TTL, capped by
 * the cache's, and served with its TTL counting down, so that even a client that asks on every round sees a change
 * only when the cached answer expires, as on a real cluster. The kit starts with it off (its tests time clients, not
 * the cache); {@code SimulatedNamespace.builder().dnsCache(Duration.ofSeconds(30))} gives a real cluster's.
 */
public final class ClusterDns implements AutoCloseable {

    /** The cluster domain, as in a default Kubernetes install. */
    public static final String CLUSTER_DOMAIN = "cluster.local";

    /** One SRV target. */
    private record Srv(String target, int port) {}

    /** What one service currently publishes. */
    private record ServiceRecords(Map<String, List<InetAddress>> a, Map<String, List<Srv>> srv) {}

    /** What a name has: its A/AAAA records, SRV targets with their addresses; both null for NXDOMAIN. */
    private record Lookup(List<InetAddress> a, List<Srv> srv, Map<String, List<InetAddress>> targets) {
        boolean exists() {
            return a != null || srv != null;
        }
    }

    /** A cached answer and when it expires ({@link System#nanoTime()}). */
    private record Cached(Lookup lookup, long expiresNanos) {}

    private final EventLoopGroup group;
    private final Channel channel;
    private final Map<String, ServiceRecords> services = new ConcurrentHashMap<>();
    private final AtomicLong queries = new AtomicLong();
    private final AtomicLong rotation = new AtomicLong();
    private final AtomicLong lastChangeNanos = new AtomicLong();
    private final Map<String, Cached> cached = new ConcurrentHashMap<>();
    private volatile Duration ttl;
    private volatile Duration cache = Duration.ZERO;

    private ClusterDns(Duration ttl) {
        this.ttl = requireTtl(ttl);
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            this.channel = new Bootstrap()
                    .group(group)
                    .channel(NioDatagramChannel.class)
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline()
                                    .addLast(
                                            new DatagramDnsQueryDecoder(),
                                            new DatagramDnsResponseEncoder(),
                                            new QueryHandler());
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** Starts a DNS server on 127.0.0.1 and a random UDP port. */
    public static ClusterDns start(Duration ttl) {
        return new ClusterDns(ttl);
    }

    /** The address to use as nameserver ({@code 127.0.0.1:<port>}, UDP). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The TTL every answer carries. */
    public Duration ttl() {
        return ttl;
    }

    /** Changes the TTL of every later answer. */
    public void ttl(Duration ttl) {
        this.ttl = requireTtl(ttl);
    }

    /** The longest an answer is cached (zero: no cache, every query sees the records as they are). */
    public Duration cache() {
        return cache;
    }

    /**
     * Caches answers as CoreDNS's {@code cache} plugin does, for the records' TTL up to {@code max} ({@code cache 30}:
     * 30 s); zero turns the cache off. Drops what was cached.
     */
    public void cache(Duration max) {
        this.cache = requireTtl(max);
        cached.clear();
    }

    /** Drops every cached answer (as a CoreDNS restart would). */
    public void flushCache() {
        cached.clear();
    }

    /** {@code <service>.<namespace>.svc.cluster.local}. */
    public static String serviceName(String service, String namespace) {
        return service + "." + namespace + ".svc." + CLUSTER_DOMAIN;
    }

    /** {@code <pod>.<service>.<namespace>.svc.cluster.local}. */
    public static String podName(String pod, String service, String namespace) {
        return pod + "." + serviceName(service, namespace);
    }

    /** {@code _<portName>._tcp.<service>.<namespace>.svc.cluster.local}. */
    public static String srvName(String portName, String service, String namespace) {
        return "_" + portName + "._tcp." + serviceName(service, namespace);
    }

    /** The IPs this server answers for {@code name} right now (A and AAAA records), for assertions. */
    public List<String> addresses(String name) {
        String key = normalize(name);
        for (ServiceRecords records : services.values()) {
            List<InetAddress> a = records.a().get(key);
            if (a != null) {
                return a.stream().map(InetAddress::getHostAddress).toList();
            }
        }
        return List.of();
    }

    /** How many queries this server has answered. */
    public long queryCount() {
        return queries.get();
    }

    /** {@link System#nanoTime()} of the last change to any record (0 before the first). */
    public long lastChangeNanos() {
        return lastChangeNanos.get();
    }

    /**
     * Replaces what one headless Service publishes: the ready pods' names and IPs.
     * Called by the namespace's endpoint controller.
     */
    void publish(String service, String namespace, String portName, int port, Map<String, List<String>> readyPodIps) {
        Map<String, List<InetAddress>> a = new ConcurrentHashMap<>();
        Map<String, List<Srv>> srv = new ConcurrentHashMap<>();
        List<InetAddress> serviceIps = new ArrayList<>();
        List<Srv> targets = new ArrayList<>();
        readyPodIps.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(pod -> {
            List<InetAddress> ips =
                    pod.getValue().stream().map(ClusterDns::parseIp).toList();
            serviceIps.addAll(ips);
            String podFqdn = normalize(podName(pod.getKey(), service, namespace));
            a.put(podFqdn, ips);
            targets.add(new Srv(podFqdn, port));
        });
        if (!serviceIps.isEmpty()) {
            a.put(normalize(serviceName(service, namespace)), List.copyOf(serviceIps));
            srv.put(normalize(srvName(portName, service, namespace)), List.copyOf(targets));
        }
        ServiceRecords next = new ServiceRecords(Map.copyOf(a), Map.copyOf(srv));
        ServiceRecords previous = services.put(service + "." + namespace, next);
        if (!next.equals(previous)) {
            lastChangeNanos.set(System.nanoTime());
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class QueryHandler extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setAuthoritativeAnswer(true);
            response.setRecursionDesired(query.isRecursionDesired());
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            if (question == null) {
                response.setCode(DnsResponseCode.FORMERR);
                ctx.writeAndFlush(response);
                return;
            }
            response.addRecord(DnsSection.QUESTION, question);
            answer(question, response);
            ctx.writeAndFlush(response);
        }
    }

    private void answer(DnsQuestion question, DatagramDnsResponse response) {
        String name = normalize(question.name());
        DnsRecordType type = question.type();
        long ttlSeconds = ttl.toSeconds();
        Lookup lookup;
        Duration lifetime = cache.compareTo(ttl) < 0 ? cache : ttl;
        if (lifetime.isZero()) {
            lookup = lookup(name);
        } else {
            long now = System.nanoTime();
            Cached hit = cached.compute(
                    name + "/" + type.name(),
                    (key, old) -> old != null && old.expiresNanos() - now > 0
                            ? old
                            : new Cached(lookup(name), now + lifetime.toNanos()));
            lookup = hit.lookup();
            // Served from the cache, the TTL counts down as CoreDNS's does.
            ttlSeconds = Math.max(0, (long) Math.ceil((hit.expiresNanos() - now) / 1e9));
        }
        if (!lookup.exists()) {
            response.setCode(DnsResponseCode.NXDOMAIN);
            return;
        }
        List<InetAddress> a = lookup.a();
        List<Srv> srv = lookup.srv();
        if ((type.equals(DnsRecordType.A) || type.equals(DnsRecordType.AAAA)) && a != null) {
            a = ofType(a, type);
        }
        if ((type.equals(DnsRecordType.A) || type.equals(DnsRecordType.AAAA)) && a != null && !a.isEmpty()) {
            // Round-robin, as the loadbalance plugin in Kubernetes' default Corefile does: clients that take the
            // first answer land on any pod, master or not.
            int shift = a.size() > 1 ? (int) Math.floorMod(rotation.getAndIncrement(), (long) a.size()) : 0;
            for (int i = 0; i < a.size(); i++) {
                response.addRecord(
                        DnsSection.ANSWER, aRecord(question.name(), a.get((i + shift) % a.size()), ttlSeconds));
            }
        } else if (type.equals(DnsRecordType.SRV) && srv != null) {
            for (Srv target : srv) {
                ByteBuf rdata = Unpooled.buffer();
                rdata.writeShort(0); // priority
                rdata.writeShort(100 / srv.size()); // weight, as CoreDNS spreads it
                rdata.writeShort(target.port());
                writeName(rdata, target.target());
                response.addRecord(
                        DnsSection.ANSWER,
                        new DefaultDnsRawRecord(question.name(), DnsRecordType.SRV, ttlSeconds, rdata));
                for (InetAddress ip : lookup.targets().getOrDefault(target.target(), List.of())) {
                    response.addRecord(DnsSection.ADDITIONAL, aRecord(target.target() + ".", ip, ttlSeconds));
                }
            }
        }
        // Otherwise NOERROR with no answer (NODATA), e.g. AAAA for an IPv4-only Service.
    }

    /** What the records say about {@code name} right now. */
    private Lookup lookup(String name) {
        List<InetAddress> a = null;
        List<Srv> srv = null;
        for (ServiceRecords records : services.values()) {
            if (a == null) {
                a = records.a().get(name);
            }
            if (srv == null) {
                srv = records.srv().get(name);
            }
        }
        Map<String, List<InetAddress>> targets = new HashMap<>();
        for (Srv target : srv == null ? List.<Srv>of() : srv) {
            for (ServiceRecords records : services.values()) {
                List<InetAddress> ips = records.a().get(target.target());
                if (ips != null) {
                    targets.put(target.target(), ips);
                }
            }
        }
        return new Lookup(a, srv, Map.copyOf(targets));
    }

    /** An A record for an IPv4 address, an AAAA record for an IPv6 one. */
    private static DefaultDnsRawRecord aRecord(String name, InetAddress ip, long ttlSeconds) {
        DnsRecordType type = ip instanceof Inet6Address ? DnsRecordType.AAAA : DnsRecordType.A;
        return new DefaultDnsRawRecord(name, type, ttlSeconds, Unpooled.wrappedBuffer(ip.getAddress()));
    }

    /** The addresses an A (IPv4) or AAAA (IPv6) query asks for. */
    private static List<InetAddress> ofType(List<InetAddress> addresses, DnsRecordType type) {
        boolean ipv6 = type.equals(DnsRecordType.AAAA);
        return addresses.stream()
                .filter(ip -> ip instanceof Inet6Address == ipv6)
                .toList();
    }

    private static void writeName(ByteBuf buf, String name) {
        for (String label : name.split("\\.")) {
            if (label.isEmpty()) {
                continue;
            }
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            buf.writeByte(bytes.length);
            buf.writeBytes(bytes);
        }
        buf.writeByte(0);
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static InetAddress parseIp(String ip) {
        try {
            return InetAddress.getByName(Objects.requireNonNull(ip, "ip"));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }

    private static Duration requireTtl(Duration ttl) {
        if (ttl == null || ttl.isNegative()) {
            throw new IllegalArgumentException("DNS TTL must be zero or positive, was " + ttl);
        }
        return ttl;
    }

    @Override
    public String toString() {
        return "ClusterDns[" + address() + ", ttl=" + ttl + (cache.isZero() ? "" : ", cache=" + cache) + "]";
    }
}
