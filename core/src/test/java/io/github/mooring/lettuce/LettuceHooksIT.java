package io.github.mooring.lettuce;

import static io.github.mooring.lettuce.LettuceHooksTest.hook;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.PubSubEndpoint;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnectionImpl;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * The behaviour of Lettuce's hooks that Mooring relies on, checked against Lettuce itself with a client that does
 * what {@link MooringRedisClient} does (override the hooks, wrap the writer and its commands) and records what
 * Lettuce calls, on which thread, in which order, against a real {@code redis-server}. Each failure names the hook
 * and what in Mooring relies on it.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class LettuceHooksIT {

    private ClientResources resources;
    private RecordingClient client;
    private RedisPod redisPod;
    private InetSocketAddress pod;

    @BeforeEach
    void start(SimulatedNamespace ns) {
        redisPod = ns.redis("redis").replicas(1).persistence(false).start().pod(0);
        pod = new InetSocketAddress(redisPod.ip(), redisPod.port());
        resources = DefaultClientResources.create();
        client = new RecordingClient(resources, pod);
    }

    @AfterEach
    void stop() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        resources.shutdown(0, 5, TimeUnit.SECONDS);
    }

    @Test
    void connectCreatesTheConnectionThenAsksItsAddressOnTheCallersThread() {
        assertCreatedThenAddressedOnCallersThread(
                "connect", "newStatefulRedisConnection", () -> client.connect(StringCodec.UTF8, uri()));
    }

    @Test
    void connectAsyncCreatesTheConnectionThenAsksItsAddressOnTheCallersThreadBeforeReturning() {
        assertCreatedThenAddressedOnCallersThread(
                "connectAsync", "newStatefulRedisConnection", () -> client.connectAsync(StringCodec.UTF8, uri()));
    }

    @Test
    void connectPubSubCreatesTheConnectionThenAsksItsAddressOnTheCallersThread() {
        assertCreatedThenAddressedOnCallersThread(
                "connectPubSub",
                "newStatefulRedisPubSubConnection",
                () -> client.connectPubSub(StringCodec.UTF8, uri()));
    }

    @Test
    void connectPubSubAsyncCreatesTheConnectionThenAsksItsAddressOnTheCallersThreadBeforeReturning() {
        assertCreatedThenAddressedOnCallersThread(
                "connectPubSubAsync",
                "newStatefulRedisPubSubConnection",
                () -> client.connectPubSubAsync(StringCodec.UTF8, uri()));
    }

    @Test
    void thePushHandlerOfANewConnectionIsItsDefaultEndpoint() {
        client.connect(StringCodec.UTF8, uri());
        assertThat(client.pushHandler)
                .as(hook(
                        "newStatefulRedisConnection's PushHandler is a "
                                + client.pushHandler.getClass().getName() + ", not a DefaultEndpoint",
                        "MooringRedisClient.endpointOf: the endpoint it disconnects to move a connection"))
                .isInstanceOf(DefaultEndpoint.class);
    }

    @Test
    void aDisconnectedEndpointTellsTheListenerThenReconnectsThroughGetSocketAddress() {
        StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, uri());
        client.events.clear();

        ((DefaultEndpoint) client.pushHandler).disconnect();

        Awaitility.await("the connection reconnected")
                .atMost(Duration.ofSeconds(10))
                .until(() -> client.events.contains("connected"));
        assertThat(client.events)
                .as(hook(
                        "after DefaultEndpoint.disconnect(), the order of listener calls and address"
                                + " subscription is " + client.events,
                        "MooringRedisClient: onRedisDisconnected settles what was in"
                                + " flight before the reconnect asks getSocketAddress's Mono for the next master"))
                .containsSubsequence("disconnected", "address subscribed", "connected");
        assertThat(client.events)
                .as(hook(
                        "the reconnected channel did not activate through the facade set on the" + " outermost writer: "
                                + client.events,
                        "FailoverWriter.ActivationAware (held commands go after" + " Lettuce's re-subscriptions)"))
                .contains("facade activated");
        assertThat(connection.sync().ping()).isEqualTo("PONG");
        assertThat(client.disconnectedConnections)
                .as(hook(
                        "onRedisDisconnected gets another object than the" + " connection",
                        "MooringRedisClient finds the connection's binding by it"))
                .containsOnly((Object) connection);
    }

    @Test
    void aCommandInFlightIsNotDoneYetWhenTheListenerHearsOfTheDisconnect() throws Exception {
        StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, uri());
        redisPod.freeze(); // the command below is written and never answered
        try {
            RedisFuture<String> written = connection.async().set("in-flight", "1");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> client.encoded.contains("SET"));
            client.inFlight = written;

            ((DefaultEndpoint) client.pushHandler).disconnect();

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.inFlightDoneWhenDisconnected != null);
            assertThat(client.inFlightDoneWhenDisconnected)
                    .as(hook(
                            "a command in flight is already completed when" + " onRedisDisconnected runs",
                            "MooringRedisClient.onDisconnected decides its fate (re-send or"
                                    + " CommandFateUnknownException) there"))
                    .isFalse();
        } finally {
            redisPod.thaw();
        }
    }

    @Test
    void lettuceEncodesAndCompletesTheWrapperNotTheCommandUnderneath() {
        StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, uri());
        assertThat(connection.sync().set("guard", "1")).isEqualTo("OK");
        assertThat(client.encoded)
                .as(hook(
                        "a CommandWrapper written through the connection's writer is not the one" + " encoded",
                        "FailoverCommand.encode marks a command written"))
                .contains("SET");
        assertThat(client.completed)
                .as(hook(
                        "the reply completes the command underneath, not its CommandWrapper",
                        "FailoverCommand.complete retries READONLY/LOADING/MASTERDOWN"))
                .contains("SET");
    }

    private void assertCreatedThenAddressedOnCallersThread(String call, String hookName, Supplier<?> connect) {
        String caller = Thread.currentThread().getName();
        Object connection = connect.get();
        List<String> seen = List.copyOf(client.events);
        assertThat(seen)
                .as(hook(
                        call + " called " + seen + " before returning",
                        "MooringRedisClient hands the" + " connection from " + hookName
                                + " to getSocketAddress through a thread-local"))
                .startsWith(hookName + " on " + caller, "getSocketAddress on " + caller);
        if (connection instanceof CompletableFuture<?> future) {
            future.join();
        }
    }

    private RedisURI uri() {
        return RedisURI.builder()
                .withHost("localhost")
                .withPort(pod.getPort())
                .withTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** Does what MooringRedisClient does with Lettuce's hooks, and records what Lettuce calls. */
    static final class RecordingClient extends RedisClient {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> encoded = new CopyOnWriteArrayList<>();
        final List<String> completed = new CopyOnWriteArrayList<>();
        final List<Object> disconnectedConnections = new CopyOnWriteArrayList<>();
        final SocketAddress target;
        volatile PushHandler pushHandler;
        volatile RedisFuture<?> inFlight;
        volatile Boolean inFlightDoneWhenDisconnected;

        RecordingClient(ClientResources resources, SocketAddress target) {
            super(resources, RedisURI.create("redis://localhost"));
            this.target = target;
            addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
                    events.add("connected");
                }

                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    RedisFuture<?> command = inFlight;
                    if (command != null) {
                        inFlightDoneWhenDisconnected = command.isDone();
                    }
                    disconnectedConnections.add(connection);
                    events.add("disconnected");
                }
            });
        }

        @Override
        protected <K, V> StatefulRedisConnectionImpl<K, V> newStatefulRedisConnection(
                RedisChannelWriter writer, PushHandler pushHandler, RedisCodec<K, V> codec, Duration timeout) {
            events.add("newStatefulRedisConnection on " + Thread.currentThread().getName());
            this.pushHandler = pushHandler;
            return super.newStatefulRedisConnection(new WrappingWriter(writer), pushHandler, codec, timeout);
        }

        @Override
        protected <K, V> StatefulRedisPubSubConnectionImpl<K, V> newStatefulRedisPubSubConnection(
                PubSubEndpoint<K, V> endpoint, RedisChannelWriter writer, RedisCodec<K, V> codec, Duration timeout) {
            events.add("newStatefulRedisPubSubConnection on "
                    + Thread.currentThread().getName());
            this.pushHandler = endpoint;
            return super.newStatefulRedisPubSubConnection(endpoint, new WrappingWriter(writer), codec, timeout);
        }

        @Override
        protected Mono<SocketAddress> getSocketAddress(RedisURI redisURI) {
            events.add("getSocketAddress on " + Thread.currentThread().getName());
            return Mono.defer(() -> {
                events.add("address subscribed");
                return Mono.just(target);
            });
        }

        /** A writer in front of Lettuce's, wrapping every command, as FailoverWriter does. */
        final class WrappingWriter implements RedisChannelWriter {
            private final RedisChannelWriter delegate;

            WrappingWriter(RedisChannelWriter delegate) {
                this.delegate = delegate;
            }

            @Override
            public <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
                return delegate.write(new RecordingCommand<>(command));
            }

            @Override
            public <K, V> Collection<RedisCommand<K, V, ?>> write(
                    Collection<? extends RedisCommand<K, V, ?>> commands) {
                return delegate.write(commands.stream()
                        .<RedisCommand<K, V, ?>>map(RecordingCommand::new)
                        .toList());
            }

            @Override
            public void close() {
                delegate.close();
            }

            @Override
            public CompletableFuture<Void> closeAsync() {
                return delegate.closeAsync();
            }

            /** Lettuce 6.x only; not called in these tests. */
            public void reset() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void setConnectionFacade(ConnectionFacade connection) {
                delegate.setConnectionFacade(new ConnectionFacade() {
                    @Override
                    public void activated() {
                        events.add("facade activated");
                        connection.activated();
                    }

                    @Override
                    public void deactivated() {
                        connection.deactivated();
                    }

                    /** Lettuce 6.x only; not called in these tests. */
                    public void reset() {
                        throw new UnsupportedOperationException();
                    }
                });
            }

            @Override
            public void setAutoFlushCommands(boolean autoFlush) {
                delegate.setAutoFlushCommands(autoFlush);
            }

            @Override
            public void flushCommands() {
                delegate.flushCommands();
            }

            @Override
            public ClientResources getClientResources() {
                return delegate.getClientResources();
            }
        }

        final class RecordingCommand<K, V, T> extends CommandWrapper<K, V, T> {
            RecordingCommand(RedisCommand<K, V, T> command) {
                super(command);
            }

            @Override
            public void encode(ByteBuf buf) {
                encoded.add(getType().toString());
                super.encode(buf);
            }

            @Override
            public void complete() {
                completed.add(getType().toString());
                super.complete();
            }
        }
    }
}
