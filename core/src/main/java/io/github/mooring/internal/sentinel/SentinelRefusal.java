package io.github.mooring.internal.sentinel;

/**
 * What to tell the operator when a Sentinel refuses Mooring's connection for its events: a pure function from the
 * Sentinel's reply to one warning that names the Sentinel, what it refused and the setting to change
 * ({@code SentinelRefusalTest}). Without a Sentinel's events Mooring still follows the group by probing, so this is a
 * warning, not an error; it quotes the Sentinel's reply, which names no secret, and never the password.
 */
final class SentinelRefusal {

    /** The settings that hold the Sentinels' own credentials, for the builder and for Spring Boot. */
    static final String SETTING =
            "sentinelCredentials (Spring Boot: mooring.sentinel.username and mooring.sentinel.password)";

    private static final String CONSEQUENCE =
            "Mooring cannot hear its failover events and follows this group by probing alone";

    private SentinelRefusal() {}

    /**
     * @param sentinel the Sentinel's address
     * @param user the user Mooring authenticated as ({@code null}: the password alone, or no credentials)
     * @param hasCredentials whether {@code sentinelCredentials} is set
     * @param refusal the Sentinel's reply ({@code WRONGPASS ...}, {@code NOAUTH ...}, {@code NOPERM ...})
     */
    static String warning(String sentinel, String user, boolean hasCredentials, String refusal) {
        String who = user == null ? "the default user" : "user " + user;
        if (refusal.startsWith("NOPERM")) {
            return "Sentinel " + sentinel + " refused " + who + " a command or channel (" + refusal + "): "
                    + CONSEQUENCE
                    + ". Grant that user what Mooring sends to Sentinels (README, 'Following Sentinel':"
                    + " +client|setname +subscribe +psubscribe and the event channels)";
        }
        if (!hasCredentials) {
            return "Sentinel " + sentinel + " requires authentication (" + refusal + "): " + CONSEQUENCE + ". Set "
                    + SETTING + " to the Sentinels' own user and password (their requirepass or ACL user, not the"
                    + " pods')";
        }
        return "Sentinel " + sentinel + " refused the credentials of " + who + " (" + refusal + "): " + CONSEQUENCE
                + ". Check " + SETTING + ": they are the Sentinels' own user and password, not the pods'";
    }
}
