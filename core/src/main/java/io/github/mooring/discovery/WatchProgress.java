package io.github.mooring.discovery;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Whether a watch keeps up with the API server, judged by resourceVersions alone (a pure function, no I/O).
 * <p>
 * The kubernetes source now and then lists what it watches, because a watch can die without a word. A list
 * and a live watch race: the list may already show a change whose watch event is a few milliseconds away. So the
 * verdict compares the versions the source's cache held just <em>before</em> the list with the versions listed, and
 * with what the cache holds afterwards:
 * <ol>
 * <li><b>in step</b>: the cache held exactly the listed objects at exactly the listed versions;</li>
 * <li><b>caught up</b>: every object that differed now holds the listed version in the cache, or has changed in the
 * cache since the list was taken (the watch is delivering; the list was merely ahead of it);</li>
 * <li><b>behind</b> otherwise: the watch has not delivered what the API server had already written.</li>
 * </ol>
 * Only "behind", after the watch was given time to catch up, means the watch missed changes. resourceVersions are
 * compared for equality only: Kubernetes documents them as opaque.
 */
final class WatchProgress {

    /** What a comparison found. */
    enum Verdict {
        IN_STEP,
        CAUGHT_UP,
        BEHIND
    }

    private WatchProgress() {}

    /** Object name to resourceVersion, for objects of one kind in one namespace. */
    static Map<String, String> versions(Iterable<? extends HasMetadata> objects) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (HasMetadata object : objects) {
            versions.put(object.getMetadata().getName(), object.getMetadata().getResourceVersion());
        }
        return versions;
    }

    /**
     * @param cachedBeforeList the source cache's versions taken right before the list was requested
     * @param listed the versions the list returned
     * @param cachedNow the source cache's versions now
     */
    static Verdict judge(
            Map<String, String> cachedBeforeList, Map<String, String> listed, Map<String, String> cachedNow) {
        if (cachedBeforeList.equals(listed)) {
            return Verdict.IN_STEP;
        }
        Set<String> names = new HashSet<>(listed.keySet());
        names.addAll(cachedBeforeList.keySet());
        for (String name : names) {
            String before = cachedBeforeList.get(name);
            String wanted = listed.get(name);
            String now = cachedNow.get(name);
            if (Objects.equals(before, wanted)) {
                continue; // this object did not differ
            }
            boolean holdsListedVersion = Objects.equals(now, wanted);
            boolean movedSinceList = !Objects.equals(now, before);
            if (!holdsListedVersion && !movedSinceList) {
                return Verdict.BEHIND;
            }
        }
        return Verdict.CAUGHT_UP;
    }
}
