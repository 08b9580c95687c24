package io.github.mooring.internal.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What Sentinel publishes (Redis 7's sentinel.c formats) and what we read from it. */
class SentinelMessageTest {

    record Sample(String channel, String payload, SentinelMessage expected) {
        @Override
        public String toString() {
            return channel + " " + payload;
        }
    }

    static Stream<Sample> samples() {
        return Stream.of(
                new Sample(
                        "__sentinel__:hello",
                        "127.0.0.5,26379,3f1c0a2b,4,mymaster,127.0.0.2,6379,3",
                        new SentinelMessage.Hello("127.0.0.5:26379", "3f1c0a2b", 4, "mymaster", "127.0.0.2:6379", 3)),
                new Sample(
                        "__sentinel__:hello",
                        "::1,26379,id,0,mymaster,fd00::2,6379,0",
                        new SentinelMessage.Hello("[::1]:26379", "id", 0, "mymaster", "[fd00::2]:6379", 0)),
                new Sample(
                        "+switch-master",
                        "mymaster 127.0.0.2 6379 127.0.0.3 6379",
                        new SentinelMessage.Switch("mymaster", "127.0.0.2:6379", "127.0.0.3:6379", "+switch-master")),
                new Sample(
                        "+promoted-slave",
                        "slave 127.0.0.3:6379 127.0.0.3 6379 @ mymaster 127.0.0.2 6379",
                        new SentinelMessage.Switch("mymaster", "127.0.0.2:6379", "127.0.0.3:6379", "+promoted-slave")),
                new Sample("+promoted-slave", "master mymaster 127.0.0.2 6379", null),
                new Sample(
                        "+odown",
                        "master mymaster 127.0.0.2 6379 #quorum 2/2",
                        new SentinelMessage.Failover("mymaster", "127.0.0.2:6379", "+odown", true)),
                new Sample(
                        "+failover-state-send-slaveof-noone",
                        "master mymaster 127.0.0.2 6379",
                        new SentinelMessage.Failover(
                                "mymaster", "127.0.0.2:6379", "+failover-state-send-slaveof-noone", true)),
                new Sample(
                        "-failover-abort-no-good-slave",
                        "master mymaster 127.0.0.2 6379",
                        new SentinelMessage.Failover(
                                "mymaster", "127.0.0.2:6379", "-failover-abort-no-good-slave", false)),
                new Sample(
                        "+failover-state-wait-promotion",
                        "slave 127.0.0.3:6379 127.0.0.3 6379 @ mymaster 127.0.0.2 6379",
                        new SentinelMessage.Failover(
                                "mymaster",
                                "127.0.0.2:6379",
                                "+failover-state-wait-promotion",
                                true,
                                "127.0.0.3:6379")),
                new Sample("+new-epoch", "5", new SentinelMessage.NewEpoch(5)),
                // About a replica, not the master: nothing we use.
                new Sample("+sdown", "slave 127.0.0.3:6379 127.0.0.3 6379 @ mymaster 127.0.0.2 6379", null),
                new Sample(
                        "+sdown",
                        "master mymaster 127.0.0.2 6379",
                        new SentinelMessage.Failover("mymaster", "127.0.0.2:6379", "+sdown", true)),
                new Sample(
                        "-sdown",
                        "master mymaster 127.0.0.2 6379",
                        new SentinelMessage.Failover("mymaster", "127.0.0.2:6379", "-sdown", false)),
                new Sample("__sentinel__:hello", "127.0.0.5,26379,id,notanumber,mymaster,127.0.0.2,6379,3", null),
                new Sample("__sentinel__:hello", "127.0.0.5,26379", null),
                new Sample("+switch-master", "mymaster 127.0.0.2", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void parses(Sample sample) {
        assertThat(SentinelMessage.parse(sample.channel(), sample.payload()))
                .isEqualTo(Optional.ofNullable(sample.expected()));
    }
}
