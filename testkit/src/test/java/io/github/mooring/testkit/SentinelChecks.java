package io.github.mooring.testkit;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading what Sentinels know, for tests that must not act before the Sentinels are ready to act. */
final class SentinelChecks {

    private SentinelChecks() {}

    /** {@code SENTINEL MASTER <name>} of Sentinel {@code index}, as a map. */
    static Map<String, String> master(Sentinels sentinels, int index) {
        Object reply = sentinels.command(index, "SENTINEL", "MASTER", sentinels.masterName());
        Map<String, String> fields = new HashMap<>();
        if (reply instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                fields.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
            }
        }
        return fields;
    }

    /** The master addresses the Sentinels that answer report (one element when they agree). */
    static Set<String> reportedMasters(Sentinels sentinels) {
        Set<String> addresses = new HashSet<>();
        for (int i = 0; i < sentinels.ips().size(); i++) {
            try {
                Object reply = sentinels.command(i, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinels.masterName());
                if (reply instanceof List<?> list && list.size() == 2) {
                    addresses.add(list.get(0) + ":" + list.get(1));
                }
            } catch (RuntimeException e) {
                // a Sentinel that does not answer reports nothing
            }
        }
        return addresses;
    }

    /** The master address every Sentinel reports, or "?" when they disagree or one does not answer. */
    static String agreedMaster(Sentinels sentinels) {
        String agreed = null;
        for (int i = 0; i < sentinels.ips().size(); i++) {
            Object reply;
            try {
                reply = sentinels.command(i, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinels.masterName());
            } catch (RuntimeException e) {
                return "?";
            }
            if (!(reply instanceof List<?> list) || list.size() != 2) {
                return "?";
            }
            String address = list.get(0) + ":" + list.get(1);
            if (agreed != null && !agreed.equals(address)) {
                return "?";
            }
            agreed = address;
        }
        return agreed;
    }
}
