package io.github.mooring.internal.topology;

import io.github.mooring.discovery.Endpoint;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Node;
import java.util.Comparator;

/** The deterministic order of everything an election lists, and how hosts compare. */
final class Ordering {

    /** By pod name (endpoints without one last), then by address. */
    static final Comparator<Endpoint> ENDPOINTS = Comparator.comparing(
                    Endpoint::podName, Comparator.nullsLast(Ordering::natural))
            .thenComparing(Endpoint::address, Ordering::natural);

    static final Comparator<Node> NODES = Comparator.comparing(Node::endpoint, ENDPOINTS);
    static final Comparator<ProbeResult> RESULTS = Comparator.comparing(ProbeResult::endpoint, ENDPOINTS);

    private Ordering() {}

    /**
     * Compares digit runs as numbers, so that "redis-2" sorts before "redis-10" and "10.0.0.9" before "10.0.0.10",
     * as a person reading a StatefulSet expects.
     */
    static int natural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            if (isDigit(a.charAt(i)) && isDigit(b.charAt(j))) {
                int startA = i;
                int startB = j;
                while (i < a.length() && isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && isDigit(b.charAt(j))) {
                    j++;
                }
                // Compare as numbers of any length: without leading zeros, a longer run is a larger number.
                String numberA = withoutLeadingZeros(a.substring(startA, i));
                String numberB = withoutLeadingZeros(b.substring(startB, j));
                int byNumber = numberA.length() != numberB.length()
                        ? Integer.compare(numberA.length(), numberB.length())
                        : numberA.compareTo(numberB);
                if (byNumber != 0) {
                    return byNumber;
                }
            } else if (a.charAt(i) != b.charAt(j)) {
                return Character.compare(a.charAt(i), b.charAt(j));
            } else {
                i++;
                j++;
            }
        }
        int byRest = Integer.compare(a.length() - i, b.length() - j);
        return byRest != 0 ? byRest : a.compareTo(b); // "redis-01" vs "redis-1": still a total order
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String withoutLeadingZeros(String digits) {
        int start = 0;
        while (start < digits.length() - 1 && digits.charAt(start) == '0') {
            start++;
        }
        return digits.substring(start);
    }
}
