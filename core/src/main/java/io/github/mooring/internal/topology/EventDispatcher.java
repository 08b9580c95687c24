package io.github.mooring.internal.topology;

import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.topology.Topology;
import io.github.mooring.topology.TopologyEvent;
import io.github.mooring.topology.TopologyListener;
import io.lettuce.core.event.EventBus;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands topology events out, in the order they happened: a log line each, Lettuce's {@link EventBus} (so tooling that
 * already listens to Lettuce's events sees them), and the registered {@link TopologyListener}s on a thread of their
 * own, never on the monitor's or an I/O thread, so a slow listener delays no probe round.
 */
final class EventDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.LOG_CATEGORY);

    private final ServiceRef service;
    private final EventBus eventBus;
    private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Topology>> observers = new CopyOnWriteArrayList<>();
    private final ExecutorService thread;

    EventDispatcher(ServiceRef service, EventBus eventBus) {
        this.service = service;
        this.eventBus = eventBus;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "mooring-events-" + service.name());
            t.setDaemon(true);
            return t;
        });
    }

    void add(TopologyListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void remove(TopologyListener listener) {
        listeners.remove(listener);
    }

    void observe(Consumer<Topology> observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    /** Hands a new topology to the observers, synchronously, before its events go out. */
    void observed(Topology topology) {
        for (Consumer<Topology> observer : observers) {
            try {
                observer.accept(topology);
            } catch (RuntimeException e) {
                log.warn("{}: topology observer {} failed", service, observer, e);
            }
        }
    }

    void dispatch(TopologyEvent event) {
        TopologyEventLog.log(log, service, event);
        if (eventBus != null) {
            eventBus.publish(event);
        }
        try {
            thread.execute(() -> listeners.forEach(listener -> {
                try {
                    listener.onEvent(event);
                } catch (RuntimeException e) {
                    log.warn(
                            "{}: topology listener {} failed on {}",
                            service,
                            listener,
                            event.getClass().getSimpleName(),
                            e);
                }
            }));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Delivers what is queued (for up to 2 s), then stops. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
