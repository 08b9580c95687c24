package io.github.mooring.benchmarks;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.cluster.MooringClusterClient;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisCluster;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.WriteLedger;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * The Redis Cluster clients of {@link ClusterFailoverBenchmark}, each configured with the Service's name only, as an
 * application on Kubernetes is:
 * <ul>
 * <li><b>Mooring</b>: {@link MooringClusterClient} with its defaults (the Kubernetes source, Lettuce's own command
 * timeout).</li>
 * <li><b>Lettuce</b>: {@link RedisClusterClient} seeded with the Service's DNS name, periodic refresh every 10 s and
 * every adaptive trigger: the configuration its users are told to use (the testkit's {@code PlainLettuceCluster}); a
 * 1 s command and connect timeout, as every plain Lettuce contender of these benchmarks.</li>
 * <li><b>Redisson</b>: cluster mode seeded with the Service's DNS name, {@code scanInterval} 1 s (its default is 5 s;
 * 1 s is what the other Redisson contenders here use and its users are told to lower it to for a quicker failover:
 * a faster scan would only load the nodes), reads from masters; timeouts, retries and slot coverage check are
 * Redisson's defaults (3 s timeout, 4 retries).</li>
 * </ul>
 * Both DNS resolvers ask the namespace's cluster DNS and cache answers for their TTL, as a JVM's resolver does.
 */
final class ClusterContenders {

    /** The names in the tables, in this order. */
    static final List<String> NAMES = List.of("Mooring", "Lettuce", "Redisson");

    /** How long a plain Lettuce command may take before the application sees an error. */
    static final Duration PLAIN_TIMEOUT = Contenders.PLAIN_TIMEOUT;

    /** One client; {@link #connect()} gives a writer its connection. */
    interface Contender extends AutoCloseable {
        String name();

        ClusterWriter.Calls connect();

        @Override
        void close();
    }

    private ClusterContenders() {}

    static Contender create(String name, SimulatedNamespace ns, RedisCluster cluster) {
        return switch (name) {
            case "Mooring" -> mooring(ns, cluster);
            case "Lettuce" -> lettuce(ns, cluster);
            case "Redisson" -> redisson(ns, cluster);
            default -> throw new IllegalArgumentException("unknown contender " + name + "; known: " + NAMES);
        };
    }

    static Contender mooring(SimulatedNamespace ns, RedisCluster cluster) {
        KubernetesClient kubernetes = ns.api().newClient();
        try {
            MooringClusterClient client = MooringClusterClient.create(MooringOptions.builder()
                    .service(cluster.name())
                    .namespace(ns.name())
                    .source(KubernetesSource.builder().client(kubernetes).build())
                    .build());
            return new LettuceCluster("Mooring", client, kubernetes::close);
        } catch (RuntimeException e) {
            kubernetes.close();
            throw e;
        }
    }

    static Contender lettuce(SimulatedNamespace ns, RedisCluster cluster) {
        ClientResources resources = DefaultClientResources.builder()
                .addressResolverGroup(resolver(ns))
                .build();
        RedisClusterClient client = RedisClusterClient.create(
                resources,
                RedisURI.builder()
                        .withHost(cluster.serviceDnsName())
                        .withPort(cluster.port())
                        .withTimeout(PLAIN_TIMEOUT)
                        .build());
        client.setOptions(ClusterClientOptions.builder()
                .socketOptions(
                        SocketOptions.builder().connectTimeout(PLAIN_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(PLAIN_TIMEOUT))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(10))
                        .enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.values())
                        .build())
                .build());
        return new LettuceCluster("Lettuce", client, () -> resources.shutdown(0, 2, TimeUnit.SECONDS));
    }

    static Contender redisson(SimulatedNamespace ns, RedisCluster cluster) {
        // Thread counts only, as everywhere in these benchmarks (Redisson's defaults start 16 + 32 threads per client).
        Config config = new Config().setThreads(2).setNettyThreads(4);
        config.setAddressResolverGroupFactory((datagram, socket, servers) -> resolver(ns));
        config.useClusterServers()
                .addNodeAddress("redis://" + cluster.serviceDnsName() + ":" + cluster.port())
                .setScanInterval(1000)
                .setReadMode(ReadMode.MASTER);
        return new RedissonCluster(Redisson.create(config));
    }

    private static DnsAddressResolverGroup resolver(SimulatedNamespace ns) {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(
                        new SingletonDnsServerAddressStreamProvider(ns.dns().address())));
    }

    /** A Lettuce cluster client: each writer gets a connection of its own. */
    private static final class LettuceCluster implements Contender {
        private final String name;
        private final RedisClusterClient client;
        private final Runnable cleanup;
        private final List<StatefulRedisClusterConnection<String, String>> connections = new ArrayList<>();

        LettuceCluster(String name, RedisClusterClient client, Runnable cleanup) {
            this.name = name;
            this.client = client;
            this.cleanup = cleanup;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ClusterWriter.Calls connect() {
            StatefulRedisClusterConnection<String, String> connection = client.connect();
            synchronized (connections) {
                connections.add(connection);
            }
            var sync = connection.sync();
            var async = connection.async();
            return new ClusterWriter.Calls() {
                @Override
                public void write(WriteLedger.Write write) {
                    if (write.target() == WriteLedger.Target.LOG) {
                        sync.rpush(write.key(), write.value());
                    } else {
                        sync.set(write.key(), write.value());
                    }
                }

                @Override
                public CompletionStage<?> writeAsync(WriteLedger.Write write) {
                    return write.target() == WriteLedger.Target.LOG
                            ? async.rpush(write.key(), write.value())
                            : async.set(write.key(), write.value());
                }
            };
        }

        @Override
        public void close() {
            synchronized (connections) {
                connections.forEach(StatefulRedisClusterConnection::closeAsync);
            }
            client.shutdown(0, 2, TimeUnit.SECONDS);
            cleanup.run();
        }
    }

    /** Redisson: one client, shared by the writers as its connection pools are meant to be. */
    private record RedissonCluster(RedissonClient redisson) implements Contender {
        @Override
        public String name() {
            return "Redisson";
        }

        @Override
        public ClusterWriter.Calls connect() {
            return new ClusterWriter.Calls() {
                @Override
                public void write(WriteLedger.Write write) {
                    if (write.target() == WriteLedger.Target.LOG) {
                        redisson.<String>getList(write.key(), StringCodec.INSTANCE)
                                .add(write.value());
                    } else {
                        redisson.<String>getBucket(write.key(), StringCodec.INSTANCE)
                                .set(write.value());
                    }
                }

                @Override
                public CompletionStage<?> writeAsync(WriteLedger.Write write) {
                    return write.target() == WriteLedger.Target.LOG
                            ? redisson.<String>getList(write.key(), StringCodec.INSTANCE)
                                    .addAsync(write.value())
                            : redisson.<String>getBucket(write.key(), StringCodec.INSTANCE)
                                    .setAsync(write.value());
                }
            };
        }

        @Override
        public void close() {
            redisson.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
