package io.github.mooring.benchmarks;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.EndpointSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * The contenders: Mooring, and the ways teams reach a Redis master on Kubernetes today. Every plain Lettuce contender
 * uses a 1 s command timeout (Lettuce's own default of 60 s would turn every outage into a minute-long hang); Redisson
 * and Mooring run with their defaults.
 */
final class Contenders implements AutoCloseable {

    /** How long a plain Lettuce command may take before the application sees an error. */
    static final Duration PLAIN_TIMEOUT = Duration.ofSeconds(1);

    private final SimulatedNamespace ns;
    /** Shared by the plain Lettuce contenders, as an application shares one set of event loops. */
    private final ClientResources shared = DefaultClientResources.create();

    Contenders(SimulatedNamespace ns) {
        this.ns = ns;
    }

    // ------------------------------------------------------------------ Mooring

    Contender mooringKubernetes(RedisStatefulSet set) {
        KubernetesClient kubernetes = ns.api().newClient();
        return mooring(set, KubernetesSource.builder().client(kubernetes).build(), kubernetes::close);
    }

    Contender mooringDns(RedisStatefulSet set) {
        return mooring(set, DnsSource.builder().nameServers(ns.dns().address()).build(), () -> {});
    }

    private Contender mooring(RedisStatefulSet set, EndpointSource source, Runnable cleanup) {
        MooringClient client = MooringClient.create(MooringOptions.builder()
                .service(set.name())
                .namespace(ns.name())
                .source(source)
                .build());
        StatefulRedisConnection<String, String> connection = client.connect();
        return new LettuceContender(connection.sync(), () -> {
            client.close();
            cleanup.run();
        });
    }

    /** The connection MooringClient's overhead is measured against: Lettuce with its defaults, to the master's IP. */
    Contender raw(RedisStatefulSet set) {
        RedisClient client =
                RedisClient.create(shared, RedisURI.create(set.pod(0).ip(), set.port()));
        return new LettuceContender(client.connect().sync(), client::shutdown);
    }

    // ------------------------------------------------------------------ plain Lettuce

    /** Lettuce pointed at the master pod's IP, as a config value or a StatefulSet pod address resolved once. */
    Contender lettuceByPodIp(RedisStatefulSet set) {
        RedisClient client = RedisClient.create(shared, uri(set.pod(0).ip(), set.port()));
        return new LettuceContender(client.connect().sync(), client::shutdown);
    }

    /**
     * Lettuce pointed at the headless Service's name, resolved through cluster DNS with the TTL honoured (what the
     * JVM and Netty do): the name answers every ready pod, master or not, in rotating order.
     */
    Contender lettuceByServiceName(RedisStatefulSet set) {
        DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(
                        new SingletonDnsServerAddressStreamProvider(ns.dns().address())));
        ClientResources resources =
                DefaultClientResources.builder().addressResolverGroup(resolver).build();
        RedisClient client = RedisClient.create(resources, uri(set.serviceDnsName(), set.port()));
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            return new LettuceContender(connection.sync(), () -> {
                client.shutdown();
                resources.shutdown();
            });
        } catch (RuntimeException e) {
            client.shutdown();
            resources.shutdown();
            throw e;
        }
    }

    /** Lettuce Master/Replica over a static list of the pods' addresses, writes to the master. */
    Contender lettuceMasterReplica(RedisStatefulSet set) {
        List<RedisURI> nodes = new ArrayList<>();
        for (RedisPod pod : set.pods()) {
            if (pod.ip() != null) {
                nodes.add(uri(pod.ip(), set.port()));
            }
        }
        RedisClient client = RedisClient.create(shared);
        StatefulRedisMasterReplicaConnection<String, String> connection =
                MasterReplica.connect(client, StringCodec.UTF8, nodes);
        connection.setReadFrom(ReadFrom.MASTER);
        return new LettuceContender(connection.sync(), client::shutdown);
    }

    /** Lettuce Master/Replica through Sentinel (what Spring Data Redis builds for a Sentinel configuration). */
    Contender lettuceSentinel(Sentinels sentinels) {
        RedisURI.Builder builder =
                RedisURI.builder().withSentinelMasterId(sentinels.masterName()).withTimeout(PLAIN_TIMEOUT);
        for (String ip : sentinels.ips()) {
            builder.withSentinel(ip, Sentinels.PORT);
        }
        RedisClient client = RedisClient.create(shared);
        StatefulRedisMasterReplicaConnection<String, String> connection =
                MasterReplica.connect(client, StringCodec.UTF8, builder.build());
        connection.setReadFrom(ReadFrom.MASTER);
        return new LettuceContender(connection.sync(), client::shutdown);
    }

    /** Plain Lettuce to an HAProxy frontend. */
    Contender lettuceViaHaproxy(int port) {
        RedisClient client = RedisClient.create(shared, uri("127.0.0.1", port));
        return new LettuceContender(client.connect().sync(), client::shutdown);
    }

    private static RedisURI uri(String host, int port) {
        return RedisURI.builder()
                .withHost(host)
                .withPort(port)
                .withTimeout(PLAIN_TIMEOUT)
                .build();
    }

    // ------------------------------------------------------------------ Redisson

    /** Redisson's replicated mode over the pods' addresses: it asks each node its role every scan interval. */
    Contender redissonReplicated(RedisStatefulSet set) {
        Config config = redissonConfig();
        var replicated = config.useReplicatedServers().setScanInterval(1000).setReadMode(ReadMode.MASTER);
        for (RedisPod pod : set.pods()) {
            if (pod.ip() != null) {
                replicated.addNodeAddress("redis://" + pod.ip() + ":" + set.port());
            }
        }
        return new RedissonContender(Redisson.create(config));
    }

    /** Redisson's Sentinel mode. */
    Contender redissonSentinel(Sentinels sentinels) {
        Config config = redissonConfig();
        var sentinel = config.useSentinelServers()
                .setMasterName(sentinels.masterName())
                .setScanInterval(1000)
                .setReadMode(ReadMode.MASTER);
        for (String ip : sentinels.ips()) {
            sentinel.addSentinelAddress("redis://" + ip + ":" + Sentinels.PORT);
        }
        return new RedissonContender(Redisson.create(config));
    }

    private static Config redissonConfig() {
        // Thread counts only (Redisson's defaults start 16 + 32 threads per client); timeouts and retries: defaults.
        return new Config().setThreads(2).setNettyThreads(4);
    }

    @Override
    public void close() {
        shared.shutdown();
    }

    // ------------------------------------------------------------------ adapters

    private record LettuceContender(RedisCommands<String, String> commands, Runnable onClose) implements Contender {
        @Override
        public void write(String key, String value) {
            commands.set(key, value);
        }

        @Override
        public String read(String key) {
            return commands.get(key);
        }

        @Override
        public void close() {
            onClose.run();
        }
    }

    private record RedissonContender(RedissonClient redisson) implements Contender {
        @Override
        public void write(String key, String value) {
            redisson.<String>getBucket(key, org.redisson.client.codec.StringCodec.INSTANCE)
                    .set(value);
        }

        @Override
        public String read(String key) {
            return redisson.<String>getBucket(key, org.redisson.client.codec.StringCodec.INSTANCE)
                    .get();
        }

        @Override
        public void close() {
            redisson.shutdown();
        }
    }
}
