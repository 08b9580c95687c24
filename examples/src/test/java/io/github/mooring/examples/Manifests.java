package io.github.mooring.examples;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The manifests under the repository's {@code src/k8s}, parsed with the fabric8 client as {@code kubectl} would read them. */
final class Manifests {

    /** One thing a Role allows: a verb on a resource of an API group ("" is the core group). */
    record Grant(String group, String resource, String verb) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? resource : resource + "." + group);
        }
    }

    /** One object and the file it came from. */
    record Manifest(Path file, HasMetadata object) {
        @Override
        public String toString() {
            return object.getKind() + "/" + object.getMetadata().getName() + " in " + file.getFileName();
        }
    }

    private Manifests() {}

    /** {@code src/k8s} of the repository this module belongs to. */
    static Path directory() {
        return directory("src/k8s");
    }

    /** A manifests directory of the repository this module belongs to, e.g. {@code src/k8s-cluster}. */
    static Path directory(String relative) {
        Path module = Paths.get(System.getProperty("basedir", "."));
        Path dir = module.toAbsolutePath().resolve("../" + relative).normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(
                    "no manifests directory at " + dir + " (tests run from the examples module)");
        }
        return dir;
    }

    /** Every YAML file under {@code src/k8s}. */
    static List<Path> files() {
        return files(directory());
    }

    /** Every YAML file under {@code directory}. */
    static List<Path> files(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(
                            p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object of every file under {@code src/k8s}, in file order. */
    static List<Manifest> load() {
        return load(directory());
    }

    /** Every object of every file under {@code directory}, in file order. */
    static List<Manifest> load(Path directory) {
        List<Manifest> manifests = new ArrayList<>();
        for (Path file : files(directory)) {
            for (HasMetadata object : parse(file)) {
                manifests.add(new Manifest(file, object));
            }
        }
        return manifests;
    }

    /** The objects of one (possibly multi-document) YAML file. */
    static List<HasMetadata> parse(Path file) {
        Object parsed;
        try (InputStream in = Files.newInputStream(file)) {
            parsed = Serialization.unmarshal(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file.getFileName() + " does not parse: " + e.getMessage(), e);
        }
        List<HasMetadata> objects = new ArrayList<>();
        if (parsed instanceof KubernetesList list) {
            objects.addAll(list.getItems());
        } else if (parsed instanceof Collection<?> items) {
            for (Object item : items) {
                objects.add((HasMetadata) item);
            }
        } else if (parsed instanceof HasMetadata single) {
            objects.add(single);
        } else {
            throw new IllegalStateException(file.getFileName() + " holds no Kubernetes object: " + parsed);
        }
        return objects;
    }

    /** The objects of one type. */
    static <T extends HasMetadata> List<T> all(List<Manifest> manifests, Class<T> type) {
        return manifests.stream()
                .map(Manifest::object)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    /** The only object of one type, or a failure saying how many there are. */
    static <T extends HasMetadata> T only(List<Manifest> manifests, Class<T> type) {
        List<T> found = all(manifests, type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + " in src/k8s, found " + found.size());
        }
        return found.get(0);
    }

    /** Every (group, resource, verb) a Role's rules allow, one entry per combination. */
    static Set<Grant> grants(Role role) {
        Set<Grant> grants = new LinkedHashSet<>();
        for (PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        grants.add(new Grant(group, resource, verb));
                    }
                }
            }
        }
        return grants;
    }

    /**
     * Fields the model does not know, e.g. a misspelt {@code readinesProbe}: fabric8 keeps them as "additional
     * properties" instead of failing, where the API server would reject or silently drop them.
     */
    static Set<String> unknownFields(Object node) {
        Set<String> found = new TreeSet<>();
        collectUnknownFields(node, "", found);
        return found;
    }

    private static void collectUnknownFields(Object node, String path, Set<String> found) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                collectUnknownFields(entry.getValue(), path + "[" + entry.getKey() + "]", found);
            }
            return;
        }
        if (!node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return; // strings, numbers, enums
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || getter.getDeclaringClass() == Object.class
                    || !getter.getName().startsWith("get")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue; // not a plain property
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(key -> found.add(path + "." + key));
                }
            } else {
                String property = Character.toLowerCase(getter.getName().charAt(3))
                        + getter.getName().substring(4);
                collectUnknownFields(value, path + "." + property, found);
            }
        }
    }
}
