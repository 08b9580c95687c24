package io.github.mooring.boot.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.healer.HealerListener;
import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerView;
import org.junit.jupiter.api.Test;

/** The health indicators' {@code healer} detail, the same for a replication group's healer and a cluster's. */
class HealerDetailTest {

    private record Seen(HealerMode mode, boolean isLeader) implements HealerView {
        @Override
        public String identity() {
            return "app-0";
        }

        @Override
        public void addListener(HealerListener listener) {}

        @Override
        public void removeListener(HealerListener listener) {}
    }

    @Test
    void namesTheModeAndWhetherThisPodRepairs() {
        assertThat(HealerDetail.of(new Seen(HealerMode.REPORT, false))).isEqualTo("report");
        assertThat(HealerDetail.of(new Seen(HealerMode.REPAIR, false))).isEqualTo("repair");
        assertThat(HealerDetail.of(new Seen(HealerMode.REPAIR, true))).isEqualTo("repair (this pod repairs)");
    }
}
