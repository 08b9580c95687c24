package io.github.mooring.testkit;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The API objects of one StatefulSet, written as the control plane would: the headless Service, the Pods, and
 * (playing the EndpointSlice and Endpoints controllers) the Service's EndpointSlice and Endpoints.
 */
final class ApiObjects {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final KubernetesClient client;
    private final String namespace;
    private final String service;
    private final String portName;
    private final int port;
    private final String sliceName;
    private boolean published;

    ApiObjects(KubernetesClient client, String namespace, String service, String portName, int port) {
        this.client = client;
        this.namespace = namespace;
        this.service = service;
        this.portName = portName;
        this.port = port;
        this.sliceName = service + "-" + Integer.toHexString(service.hashCode() & 0xfffff);
    }

    void createService() {
        Service svc = new ServiceBuilder()
                .withNewMetadata()
                .withName(service)
                .withNamespace(namespace)
                .addToLabels("app", service)
                .endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withSelector(Map.of("app", service))
                .addNewPort()
                .withName(portName)
                .withPort(port)
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build();
        client.services().inNamespace(namespace).resource(svc).create();
    }

    /** Creates (or overwrites) the Pod object and returns the UID the API server gave it. */
    String createPod(RedisPod pod) {
        Pod object = new PodBuilder()
                .withNewMetadata()
                .withName(pod.name())
                .withNamespace(namespace)
                .withUid(pod.uid())
                .addToLabels("app", service)
                .addToLabels("statefulset.kubernetes.io/pod-name", pod.name())
                .endMetadata()
                .withNewSpec()
                .withHostname(pod.name())
                .withSubdomain(service)
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(pod.ip())
                .withPodIPs(pod.ips().stream()
                        .map(ip -> new PodIPBuilder().withIp(ip).build())
                        .toList())
                .endStatus()
                .build();
        Pod created = client.pods().inNamespace(namespace).resource(object).createOr(NonDeletingOperation::update);
        return created == null ? null : created.getMetadata().getUid();
    }

    void markPodTerminating(RedisPod pod) {
        client.pods()
                .inNamespace(namespace)
                .withName(pod.name())
                .edit(p -> new PodBuilder(p)
                        .editMetadata()
                        .withDeletionTimestamp(Instant.now().toString())
                        .withDeletionGracePeriodSeconds(10L)
                        .endMetadata()
                        .build());
    }

    void deletePod(RedisPod pod) {
        client.pods().inNamespace(namespace).withName(pod.name()).delete();
    }

    /**
     * Writes one EndpointSlice per IP family and the Endpoints object (the primary family's, as Kubernetes' Endpoints
     * controller does) for these endpoints (called by one thread at a time), and returns {@link System#nanoTime()} of
     * the moment the last EndpointSlice write was done.
     */
    long publishEndpoints(List<IpFamily> families, List<List<EndpointState>> byFamily) {
        for (int i = 0; i < families.size(); i++) {
            // The primary family's slice keeps the name a single-stack Service's has.
            String name = i == 0
                    ? sliceName
                    : sliceName + "-" + families.get(i).addressType().toLowerCase(Locale.ROOT);
            writeSlice(name, families.get(i), byFamily.get(i));
        }
        long sliceWritten = System.nanoTime();
        writeEndpoints(byFamily.get(0));
        published = true;
        return sliceWritten;
    }

    private void writeSlice(String name, IpFamily family, List<EndpointState> states) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (EndpointState state : states) {
            endpoints.add(new EndpointBuilder()
                    .withAddresses(state.ip())
                    .withHostname(state.pod())
                    .withNewConditions()
                    .withReady(state.ready())
                    .withServing(state.serving())
                    .withTerminating(state.terminating())
                    .endConditions()
                    .withTargetRef(podRef(state))
                    .build());
        }
        EndpointSlice slice = new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels(SERVICE_NAME_LABEL, service)
                .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
                .endMetadata()
                .withAddressType(family.addressType())
                .addNewPort()
                .withName(portName)
                .withPort(port)
                .withProtocol("TCP")
                .endPort()
                .withEndpoints(endpoints)
                .build();
        if (published) {
            client.discovery()
                    .v1()
                    .endpointSlices()
                    .inNamespace(namespace)
                    .resource(slice)
                    .update();
        } else {
            client.discovery()
                    .v1()
                    .endpointSlices()
                    .inNamespace(namespace)
                    .resource(slice)
                    .create();
        }
    }

    /** The endpoint's {@code targetRef}: its Pod. */
    private ObjectReference podRef(EndpointState state) {
        return new ObjectReferenceBuilder()
                .withKind("Pod")
                .withName(state.pod())
                .withNamespace(namespace)
                .withUid(state.uid())
                .build();
    }

    private void writeEndpoints(List<EndpointState> states) {
        List<EndpointAddress> ready = new ArrayList<>();
        List<EndpointAddress> notReady = new ArrayList<>();
        for (EndpointState state : states) {
            // The Endpoints controller leaves terminating pods out altogether.
            if (!state.terminating()) {
                EndpointAddress address = new EndpointAddressBuilder()
                        .withIp(state.ip())
                        .withHostname(state.pod())
                        .withTargetRef(podRef(state))
                        .build();
                (state.ready() ? ready : notReady).add(address);
            }
        }
        EndpointsBuilder legacy = new EndpointsBuilder()
                .withNewMetadata()
                .withName(service)
                .withNamespace(namespace)
                .addToLabels("app", service)
                .endMetadata();
        if (!ready.isEmpty() || !notReady.isEmpty()) {
            legacy.addNewSubset()
                    .withAddresses(ready)
                    .withNotReadyAddresses(notReady)
                    .addNewPort()
                    .withName(portName)
                    .withPort(port)
                    .withProtocol("TCP")
                    .endPort()
                    .endSubset();
        }
        Endpoints object = legacy.build();
        if (published) {
            client.endpoints().inNamespace(namespace).resource(object).update();
        } else {
            client.endpoints().inNamespace(namespace).resource(object).create();
        }
    }

    void updatePodReadiness(RedisPod pod, boolean ready) {
        client.pods()
                .inNamespace(namespace)
                .withName(pod.name())
                .editStatus(p -> new PodBuilder(p)
                        .editStatus()
                        .withConditions(new PodConditionBuilder()
                                .withType("Ready")
                                .withStatus(ready ? "True" : "False")
                                .build())
                        .endStatus()
                        .build());
    }
}
