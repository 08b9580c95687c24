package io.github.mooring.testing;

/** The discovery sources integration tests run against (see {@link Harness#source}). */
public enum Sources {
    /** fabric8 informer on the namespace's EndpointSlices. */
    KUBERNETES(true),
    /** DNS A records of the headless Service, asked every 100 ms: IPs only, no pod names. */
    DNS_A(false),
    /** DNS SRV records of the Service's named port, asked every 100 ms: IPs and pod names. */
    DNS_SRV(true);

    private final boolean knowsPodNames;

    Sources(boolean knowsPodNames) {
        this.knowsPodNames = knowsPodNames;
    }

    /** Whether endpoints from this source carry pod names. */
    public boolean knowsPodNames() {
        return knowsPodNames;
    }
}
