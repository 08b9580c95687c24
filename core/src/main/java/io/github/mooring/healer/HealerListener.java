package io.github.mooring.healer;

/** Receives {@link HealerEvent}s, in order; an exception here is logged and affects nothing else. */
@FunctionalInterface
public interface HealerListener {

    void onEvent(HealerEvent event);
}
