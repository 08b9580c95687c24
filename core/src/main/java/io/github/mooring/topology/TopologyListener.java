package io.github.mooring.topology;

/**
 * Receives {@link TopologyEvent}s, in order, on Mooring's event thread. An exception thrown here is logged and does
 * not stop other listeners or later events; a listener that blocks delays the events after it, nothing else.
 */
@FunctionalInterface
public interface TopologyListener {

    void onEvent(TopologyEvent event);
}
