package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, with short phases: real pods, real disruptions, both writers side by side.
 * <p>
 * Fate-unknown writes (the master died after an INCR was sent, before it answered) are not counted as failed:
 * Mooring cannot know whether Redis applied them and says so instead of guessing. They are allowed here, but each
 * must be accounted for by the counter check: the counter on the master lies between the acknowledged writes and
 * the acknowledged plus fate-unknown ones. A failed write, by contrast, is one the application lost.
 */
class DemoIT {

    @Test
    void mooringFollowsEveryMasterChangeWithoutAFailedWriteWhilePlainLettuceFails() {
        Output output = new Output();
        Summary summary = Demo.run(
                new Settings(3, 20, Duration.ofSeconds(8), EnumSet.allOf(Disruption.class), Duration.ofSeconds(5)),
                output.stream());

        assertThat(summary.masterChanges())
                .as("replace, restart and failover each made a new master")
                .isEqualTo(3);
        WriterStats mooring = summary.writer("Mooring");
        assertThat(mooring.failed()).as("Mooring's failed writes%n%s", output).isZero();
        assertThat(mooring.succeeded() + mooring.fateUnknown().orElseThrow())
                .as("every Mooring write ended: acknowledged or fate unknown")
                .isEqualTo(mooring.attempted());
        assertThat(mooring.changesFollowed())
                .as("master changes Mooring followed")
                .isEqualTo(3);
        assertThat(mooring.counter())
                .as("Mooring's counter: nothing lost, nothing applied twice")
                .isPresent();
        assertThat(mooring.counter().getAsLong())
                .isBetween(
                        (long) mooring.succeeded(),
                        (long) mooring.succeeded() + mooring.fateUnknown().getAsInt());

        WriterStats plain = summary.writer("plain Lettuce");
        assertThat(plain.failed())
                .as("plain Lettuce's failed writes%n%s", output)
                .isPositive();
        assertThat(plain.changesFollowed())
                .as("plain Lettuce cannot follow the failover to redis-1")
                .isLessThan(3);

        assertThat(output.toString())
                .contains("Summary:", "master changes followed", "Mooring's counter on the master");
    }

    @Test
    void onACalmRunBothWritersSucceedEveryTime() {
        // The comparison is fair: without disruptions, plain Lettuce pointed at redis-0 works as well as Mooring.
        Output output = new Output();
        Summary summary =
                Demo.run(new Settings(2, 20, Duration.ofSeconds(5), Set.of(), Duration.ofSeconds(5)), output.stream());

        assertThat(summary.masterChanges()).isZero();
        for (WriterStats writer : summary.writers()) {
            assertThat(writer.failed())
                    .as("%s's failed writes%n%s", writer.name(), output)
                    .isZero();
            assertThat(writer.succeeded())
                    .as(writer.name())
                    .isEqualTo(writer.attempted())
                    .isPositive();
            assertThat(writer.counter()).hasValue(writer.succeeded());
        }
    }

    /** Keeps what the demo prints for assertions, and shows it in the test log as it happens. */
    private static final class Output extends OutputStream {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            kept.write(b);
            System.out.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            kept.write(bytes, offset, length);
            System.out.write(bytes, offset, length);
        }

        PrintStream stream() {
            return new PrintStream(this, true, StandardCharsets.UTF_8);
        }

        @Override
        public synchronized String toString() {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }
}
