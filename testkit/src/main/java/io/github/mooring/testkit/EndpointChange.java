package io.github.mooring.testkit;

import java.time.Instant;
import java.util.List;

/**
 * One update the endpoint controller made to a Service's EndpointSlice (and Endpoints, and DNS records).
 *
 * @param nanoTime {@link System#nanoTime()} when the update was written (the moment the API server acknowledged the
 *                 EndpointSlice write, before the Endpoints object and the DNS records were updated): the start of a
 *                 detection-latency measurement
 * @param at wall-clock time of the update
 * @param endpoints every endpoint as published
 */
public record EndpointChange(long nanoTime, Instant at, List<EndpointState> endpoints) {

    public EndpointChange {
        endpoints = List.copyOf(endpoints);
    }

    /** The IPs published as ready. */
    public List<String> readyIps() {
        return endpoints.stream()
                .filter(EndpointState::ready)
                .map(EndpointState::ip)
                .toList();
    }
}
