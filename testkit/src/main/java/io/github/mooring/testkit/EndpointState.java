package io.github.mooring.testkit;

/**
 * What the endpoint controller publishes for one pod, in the terms of an EndpointSlice endpoint's conditions.
 *
 * @param pod the pod name (the endpoint's hostname and targetRef)
 * @param ip the pod IP
 * @param uid the pod UID (targetRef)
 * @param ready serving and not terminating
 * @param serving the readiness probe passes
 * @param terminating the pod is being deleted
 */
public record EndpointState(String pod, String ip, String uid, boolean ready, boolean serving, boolean terminating) {}
