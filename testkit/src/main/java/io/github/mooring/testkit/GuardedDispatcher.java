package io.github.mooring.testkit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mock API server's CRUD dispatcher with the two things a real cluster adds that tests need: RBAC for the
 * application's identity (any request not made with the kit's own controller token), and API groups that
 * the cluster does not serve (an old cluster without {@code discovery.k8s.io/v1}). Every change it makes also goes to
 * the {@linkplain HttpWatches plain-HTTP watches}, which the mock server does not serve itself.
 */
final class GuardedDispatcher extends KubernetesCrudDispatcher {

    /** A request decoded as RBAC sees it. */
    record Access(String verb, String group, String resource, String namespace) {}

    private final String controllerToken;
    private final String applicationUser;
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> failing = new ConcurrentHashMap<>();
    private final Set<String> unservedGroups = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final HttpWatches httpWatches;

    GuardedDispatcher(String controllerToken, String applicationUser) {
        this.controllerToken = controllerToken;
        this.applicationUser = applicationUser;
        this.httpWatches = new HttpWatches(
                getAttributeExtractor(),
                this::requestResourceVersion,
                path -> handleGet(path).getBody().readUtf8());
    }

    HttpWatches httpWatches() {
        return httpWatches;
    }

    void forbid(String group, String resource, String verb) {
        forbidden.add(key(group, resource, verb));
    }

    void permit(String group, String resource, String verb) {
        forbidden.remove(key(group, resource, verb));
    }

    void fail(String group, String resource, String verb, int status) {
        failing.put(key(group, resource, verb), status);
    }

    void recover(String group, String resource, String verb) {
        failing.remove(key(group, resource, verb));
    }

    void unserve(String group) {
        unservedGroups.add(group);
    }

    void serve(String group) {
        unservedGroups.remove(group);
    }

    long count(String verb, String group, String resource) {
        AtomicLong count = counts.get(key(group, resource, verb));
        return count == null ? 0 : count.get();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse refusal = refusal(request.getMethod(), request.getPath(), request.getHeader("Authorization"));
        return refusal != null ? refusal : super.dispatch(request);
    }

    /**
     * What RBAC, a failure set by {@link #fail} or an unserved group answers instead of the request, or null when it
     * may go on; counts the application's requests.
     */
    MockResponse refusal(String method, String pathAndQuery, String authorization) {
        Access access = decode(method, pathAndQuery);
        boolean controller = ("Bearer " + controllerToken).equals(authorization);
        if (access == null || controller) {
            return null;
        }
        counts.computeIfAbsent(key(access.group(), access.resource(), access.verb()), k -> new AtomicLong())
                .incrementAndGet();
        if (unservedGroups.contains(access.group())) {
            return status(404, "NotFound", "the server could not find the requested resource", access);
        }
        Integer failure = failing.get(key(access.group(), access.resource(), access.verb()));
        if (failure != null) {
            return status(failure, "InternalError", "the API server failed (" + failure + "), as it can", access);
        }
        if (forbidden.contains(key(access.group(), access.resource(), access.verb()))) {
            String qualified = access.group().isEmpty() ? access.resource() : access.resource() + "." + access.group();
            String message = qualified + " is forbidden: User \"" + applicationUser + "\" cannot " + access.verb()
                    + " resource \"" + access.resource() + "\" in API group \"" + access.group() + "\""
                    + (access.namespace() == null
                            ? " at the cluster scope"
                            : " in the namespace \"" + access.namespace() + "\"");
            return status(403, "Forbidden", message, access);
        }
        return null;
    }

    /** Every change goes through here, under the dispatcher's write lock: the HTTP watches get it too. */
    @Override
    public void processEvent(
            String path,
            AttributeSet pathAttributes,
            AttributeSet oldAttributes,
            GenericKubernetesResource resource,
            String newJson) {
        String oldJson = oldAttributes == null ? null : map.get(oldAttributes);
        super.processEvent(path, pathAttributes, oldAttributes, resource, newJson);
        if (Objects.equals(oldJson, newJson) || (oldJson == null && newJson == null)) {
            return;
        }
        AttributeSet newAttributes = null;
        if (newJson != null) {
            for (Map.Entry<AttributeSet, String> entry : map.entrySet()) {
                if (entry.getValue() == newJson) { // the very string the mock just stored, under its new key
                    newAttributes = entry.getKey();
                    break;
                }
            }
        }
        httpWatches.publish(oldAttributes, oldJson, newAttributes, newJson);
    }

    /** Decodes {@code /api/v1/namespaces/ns/pods/x} and {@code /apis/group/v1/namespaces/ns/res?watch=true}. */
    static Access decode(String method, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        String[] parts = path.replaceAll("^/+", "").split("/");
        int i;
        String group;
        if (parts.length >= 2 && parts[0].equals("api")) {
            group = "";
            i = 2;
        } else if (parts.length >= 3 && parts[0].equals("apis")) {
            group = parts[1];
            i = 3;
        } else {
            return null;
        }
        String namespace = null;
        if (parts.length > i + 1 && parts[i].equals("namespaces")) {
            namespace = parts[i + 1];
            i += 2;
        }
        String resource;
        boolean named;
        if (parts.length > i) {
            resource = parts[i];
            named = parts.length > i + 1;
        } else if (namespace != null) {
            // /api/v1/namespaces/<name>: the Namespace object itself (RBAC sees it in its own namespace).
            resource = "namespaces";
            named = true;
        } else {
            return null; // discovery documents
        }
        boolean watch = query.matches("(.*&)?watch=(true|1)(&.*)?");
        String verb = switch (method.toUpperCase(Locale.ROOT)) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase(Locale.ROOT);
        };
        return new Access(verb, group, resource, namespace);
    }

    private static MockResponse status(int code, String reason, String message, Access access) {
        String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"" + message.replace("\"", "\\\"") + "\",\"reason\":\"" + reason + "\","
                + "\"details\":{\"group\":\"" + access.group() + "\",\"kind\":\"" + access.resource() + "\"},"
                + "\"code\":" + code + "}";
        return new MockResponse()
                .setResponseCode(code)
                .setHeader("Content-Type", "application/json")
                .setBody(body);
    }

    private static String key(String group, String resource, String verb) {
        return group + "/" + resource + "/" + verb;
    }
}
