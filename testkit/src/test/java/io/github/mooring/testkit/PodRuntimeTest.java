package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** PodRuntime as a value: what it names, how it compares, what it refuses. */
class PodRuntimeTest {

    @Test
    void processesAreTheDefaultAndNameNoImage() {
        assertThat(PodRuntime.processes().image()).isEmpty();
        assertThat(PodRuntime.processes().unavailableReason()).isEmpty();
        assertThat(PodRuntime.processes()).hasToString("processes");
        assertThat(SimulatedNamespace.builder()).extracting("podRuntime").isEqualTo(PodRuntime.processes());
    }

    @Test
    void containersNameTheirImageAndServerCommand() {
        PodRuntime redis = PodRuntime.containers("redis:7.2");
        assertThat(redis.image()).contains("redis:7.2");
        assertThat(redis.serverCommand()).isEqualTo("redis-server");
        assertThat(redis)
                .hasToString("containers of redis:7.2")
                .isEqualTo(PodRuntime.containers("redis:7.2"))
                .hasSameHashCodeAs(PodRuntime.containers("redis:7.2"))
                .isNotEqualTo(PodRuntime.containers("redis:7.4"))
                .isNotEqualTo(PodRuntime.processes());

        PodRuntime valkey = PodRuntime.containers("valkey/valkey:8").withServerCommand("valkey-server");
        assertThat(valkey.serverCommand()).isEqualTo("valkey-server");
        assertThat(valkey)
                .hasToString("containers of valkey/valkey:8 (valkey-server)")
                .isNotEqualTo(PodRuntime.containers("valkey/valkey:8"));
    }

    @Test
    void refusesWhatCannotBeAnImageOrAnExecutable() {
        assertThatThrownBy(() -> PodRuntime.containers(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an image name");
        assertThatThrownBy(() -> PodRuntime.containers("redis 7"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'redis 7'");
        assertThatThrownBy(() -> PodRuntime.containers("redis").withServerCommand("redis-server --port 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an executable's name");
        assertThatThrownBy(() -> PodRuntime.processes().withServerCommand("valkey-server"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a server command is for images");
    }
}
