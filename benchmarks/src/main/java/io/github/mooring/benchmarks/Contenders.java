package io.github.mooring.benchmarks;

import java.time.Duration;
import java.util.List;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.DnsSource;
import io.github.mooring.discovery.KubernetesSource;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;

/** The contenders: Mooring, and plain Lettuce the way most teams connect today. */
final class Contenders {

    private Contenders() {
    }

    /** How long a plain Lettuce command may take before the application sees an error. */
    static final Duration PLAIN_TIMEOUT = Duration.ofSeconds(1);

    static Contender mooringKubernetes(SimulatedNamespace ns, RedisStatefulSet set) {
        KubernetesClient kubernetes = ns.api().newClient();
        return mooring("Mooring (kubernetes)", ns, set, KubernetesSource.builder().client(kubernetes).build(),
                kubernetes::close);
    }

    static Contender mooringDns(SimulatedNamespace ns, RedisStatefulSet set) {
        return mooring("Mooring (dns)", ns, set,
                DnsSource.builder().nameServers(ns.dns().address()).build(), () -> { });
    }

    private static Contender mooring(String name, SimulatedNamespace ns, RedisStatefulSet set,
            io.github.mooring.discovery.EndpointSource source, Runnable cleanup) {
        MooringClient client = MooringClient.create(MooringOptions.builder()
                .service(set.name()).namespace(ns.name()).source(source).build());
        StatefulRedisConnection<String, String> connection = client.connect();
        return new LettuceContender(name, connection.sync(), () -> {
            client.close();
            cleanup.run();
        });
    }

    /** Plain Lettuce pointed at the master pod's IP, as with a Sentinel-less config or a StatefulSet pod address. */
    static Contender lettuceByPodIp(RedisStatefulSet set) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(set.pod(0).ip()).withPort(set.port())
                .withTimeout(PLAIN_TIMEOUT).build());
        StatefulRedisConnection<String, String> connection = client.connect();
        return new LettuceContender("Lettuce by pod IP", connection.sync(), client::shutdown);
    }

    /**
     * Plain Lettuce pointed at the headless Service's name, resolved through cluster DNS with its TTL honoured (what
     * the JVM and Netty do): the name answers every ready pod, master or not, in rotating order.
     */
    static Contender lettuceByServiceName(SimulatedNamespace ns, RedisStatefulSet set) {
        DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(ns.dns().address())));
        ClientResources resources = DefaultClientResources.builder().addressResolverGroup(resolver).build();
        RedisClient client = RedisClient.create(resources, RedisURI.builder().withHost(set.serviceDnsName())
                .withPort(set.port()).withTimeout(PLAIN_TIMEOUT).build());
        StatefulRedisConnection<String, String> connection = client.connect();
        return new LettuceContender("Lettuce by Service name", connection.sync(), () -> {
            client.shutdown();
            resources.shutdown();
        });
    }

    static List<String> names() {
        return List.of("Mooring (kubernetes)", "Mooring (dns)", "Lettuce by pod IP", "Lettuce by Service name");
    }

    private record LettuceContender(String name, RedisCommands<String, String> commands, Runnable onClose)
            implements Contender {
        @Override
        public void write(String key, String value) {
            commands.set(key, value);
        }

        @Override
        public void close() {
            onClose.run();
        }
    }
}
