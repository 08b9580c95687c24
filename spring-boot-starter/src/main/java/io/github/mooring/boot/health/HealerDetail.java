package io.github.mooring.boot.health;

import io.github.mooring.healer.HealerMode;
import io.github.mooring.healer.HealerView;
import java.util.Locale;

/** The {@code healer} detail of both health indicators: its mode, and whether this pod is the one that repairs. */
final class HealerDetail {

    static final String KEY = "healer";

    private HealerDetail() {}

    /** {@code report}, {@code repair}, or {@code repair (this pod repairs)} while this client leads. */
    static String of(HealerView healer) {
        HealerMode mode = healer.mode();
        return mode.name().toLowerCase(Locale.ROOT) + (healer.isLeader() ? " (this pod repairs)" : "");
    }
}
