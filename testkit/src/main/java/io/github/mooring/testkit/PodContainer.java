package io.github.mooring.testkit;

import java.time.Duration;

/**
 * One running container of a pod, whichever {@link PodRuntime} runs it: a {@code redis-server} process
 * ({@link RedisProcess}) or a Docker container ({@link DockerContainer}). Every operation acts on this container
 * only; a restart or a replacement is a new one.
 */
interface PodContainer {

    /** The container's ID as a pod's status shows it: {@code docker://<id>} or {@code process://<pid>}. */
    String id();

    /** The host's process id of the container's {@code redis-server}. */
    long pid();

    boolean isAlive();

    /** Whether {@link #freeze()} stopped it and it has not been thawed or killed since. */
    boolean isFrozen();

    /** SIGKILL: no chance to save or say goodbye. Returns once it is gone. */
    void kill();

    /** SIGTERM, as the kubelet sends on a graceful delete; SIGKILL after {@code gracePeriod}. Returns once gone. */
    void terminate(Duration gracePeriod);

    /** Stops it where it is: it keeps its sockets open but answers nothing (a frozen node, a hung VM). */
    void freeze();

    /** Lets a frozen container run on. */
    void thaw();
}
