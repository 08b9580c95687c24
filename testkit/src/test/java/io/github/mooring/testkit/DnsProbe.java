package io.github.mooring.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS client (Netty's resolver, over UDP, no cache) pointed at the namespace's cluster DNS, for tests that
 * must see what an application's resolver sees: answers, TTLs, SRV records, NXDOMAIN.
 */
final class DnsProbe implements AutoCloseable {

    /** One resource record: {@code data} is the IP of an A or AAAA record (IPv6 as Java prints it), or "priority weight port target" of an SRV. */
    record Rr(String name, DnsRecordType type, long ttl, String data) {}

    /** One response. */
    record Answer(DnsResponseCode code, List<Rr> answers, List<Rr> additionals) {

        List<String> data() {
            return answers.stream().map(Rr::data).toList();
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final DnsNameResolver resolver;

    DnsProbe(InetSocketAddress nameServer) {
        this.resolver = new DnsNameResolverBuilder(group.next())
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(nameServer))
                .resolveCache(NoopDnsCache.INSTANCE)
                .queryTimeoutMillis(2_000)
                .maxQueriesPerResolve(1)
                .build();
    }

    /** Sends one question and returns the whole response. */
    Answer query(String name, DnsRecordType type) {
        AddressedEnvelope<DnsResponse, InetSocketAddress> envelope;
        try {
            envelope = resolver.query(new DefaultDnsQuestion(name, type)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("DNS query " + type + " " + name + " failed", e);
        }
        try {
            DnsResponse response = envelope.content();
            return new Answer(
                    response.code(), records(response, DnsSection.ANSWER), records(response, DnsSection.ADDITIONAL));
        } finally {
            envelope.release();
        }
    }

    /** Resolves {@code name} to every address, as an application's resolver would. */
    List<String> resolveAll(String name) {
        try {
            return resolver.resolveAll(name).get(5, TimeUnit.SECONDS).stream()
                    .map(InetAddress::getHostAddress)
                    .toList();
        } catch (Exception e) {
            throw new IllegalStateException("cannot resolve " + name, e);
        }
    }

    private static List<Rr> records(DnsResponse response, DnsSection section) {
        List<Rr> out = new ArrayList<>();
        for (int i = 0; i < response.count(section); i++) {
            DnsRecord record = response.recordAt(section, i);
            if (!(record instanceof DnsRawRecord raw)) {
                continue;
            }
            ByteBuf content = raw.content().duplicate();
            String data;
            if (record.type().equals(DnsRecordType.A)) {
                byte[] ip = new byte[4];
                content.readBytes(ip);
                data = (ip[0] & 0xff) + "." + (ip[1] & 0xff) + "." + (ip[2] & 0xff) + "." + (ip[3] & 0xff);
            } else if (record.type().equals(DnsRecordType.AAAA)) {
                byte[] ip = new byte[16];
                content.readBytes(ip);
                try {
                    data = InetAddress.getByAddress(ip).getHostAddress();
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            } else if (record.type().equals(DnsRecordType.SRV)) {
                int priority = content.readUnsignedShort();
                int weight = content.readUnsignedShort();
                int port = content.readUnsignedShort();
                data = priority + " " + weight + " " + port + " " + DefaultDnsRecordDecoder.decodeName(content);
            } else {
                data = "";
            }
            out.add(new Rr(record.name(), record.type(), record.timeToLive(), data));
        }
        return out;
    }

    @Override
    public void close() {
        resolver.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
