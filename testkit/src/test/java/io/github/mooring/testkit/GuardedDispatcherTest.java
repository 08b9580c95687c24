package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.GuardedDispatcher.Access;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the API server's RBAC reads a request: verb, API group, resource, namespace. */
class GuardedDispatcherTest {

    @ParameterizedTest(name = "{0} {1} -> {2} {3}/{4} in {5}")
    @CsvSource(
            nullValues = "-",
            value = {
                "GET,    /api/v1/namespaces/ns/pods,                         list,   '', pods,           ns",
                "GET,    /api/v1/namespaces/ns/pods/redis-0,                 get,    '', pods,           ns",
                "GET,    /api/v1/namespaces/ns/endpoints?watch=true,         watch,  '', endpoints,      ns",
                "GET,    /api/v1/namespaces/ns/endpoints?watch=1&labelSelector=a%3Db, watch, '', endpoints, ns",
                "GET,    /api/v1/namespaces/ns/endpoints?watch=false,        list,   '', endpoints,      ns",
                "GET,    /api/v1/namespaces/ns/endpoints?nowatch=true,       list,   '', endpoints,      ns",
                "GET,    /apis/discovery.k8s.io/v1/namespaces/ns/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dredis, list, discovery.k8s.io, endpointslices, ns",
                "GET,    /apis/discovery.k8s.io/v1/namespaces/ns/endpointslices?allowWatchBookmarks=true&watch=true, watch, discovery.k8s.io, endpointslices, ns",
                "GET,    /apis/discovery.k8s.io/v1/endpointslices,           list,   discovery.k8s.io, endpointslices, -",
                "POST,   /apis/coordination.k8s.io/v1/namespaces/ns/leases,  create, coordination.k8s.io, leases, ns",
                "PUT,    /apis/coordination.k8s.io/v1/namespaces/ns/leases/l, update, coordination.k8s.io, leases, ns",
                "PATCH,  /apis/coordination.k8s.io/v1/namespaces/ns/leases/l, patch, coordination.k8s.io, leases, ns",
                "DELETE, /api/v1/namespaces/ns/pods/redis-0,                 delete, '', pods,           ns",
                "DELETE, /api/v1/namespaces/ns/pods,                         deletecollection, '', pods, ns",
                "get,    //api/v1/namespaces/ns/services,                    list,   '', services,       ns",
                "GET,    /api/v1/nodes,                                      list,   '', nodes,          -",
                "GET,    /api/v1/namespaces,                                 list,   '', namespaces,     -",
                "GET,    /api/v1/namespaces/ns,                              get,    '', namespaces,     ns",
            })
    void decodesResourceRequests(
            String method, String path, String verb, String group, String resource, String namespace) {
        assertThat(GuardedDispatcher.decode(method, path)).isEqualTo(new Access(verb, group, resource, namespace));
    }

    @ParameterizedTest
    @CsvSource({
        "/api",
        "/api/v1",
        "/apis",
        "/apis/discovery.k8s.io",
        "/apis/discovery.k8s.io/v1",
        "/version",
        "/healthz",
        "/"
    })
    void discoveryAndOtherNonResourcePathsAreNotResourceRequests(String path) {
        assertThat(GuardedDispatcher.decode("GET", path)).isNull();
    }

    @Test
    void unknownMethodsBecomeLowerCaseVerbs() {
        assertThat(GuardedDispatcher.decode("OPTIONS", "/api/v1/namespaces/ns/pods")
                        .verb())
                .isEqualTo("options");
    }
}
