package io.github.mooring.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Checks of settings, with one wording per kind of violation, each message naming the setting as the user sets it
 * (the builder method, e.g. {@code probeInterval}) and, where there is one, the value it was given:
 * <ul>
 * <li>{@code <setting> must be set} (a required setting never given, {@link IllegalArgumentException})</li>
 * <li>{@code <setting> must not be null} ({@link NullPointerException}, except for the durations and strings checked
 * below, which have always been refused with {@link IllegalArgumentException})</li>
 * <li>{@code <setting> must not be blank}, {@code <setting> must not be empty} (a list)</li>
 * <li>{@code <setting> must be positive, was <value>}</li>
 * <li>{@code <setting> must be zero or positive, was <value>}</li>
 * <li>{@code <setting> must be at least <minimum>, was <value>}</li>
 * <li>{@code <setting> must be <min>..<max>, was <value>}</li>
 * <li>{@code <setting> must be <what it must be>, was <value>} (a format, or a relation between values; a string
 * value in quotes)</li>
 * <li>{@code <setting> and <other> must not both be set}</li>
 * </ul>
 * Internal: imports nothing of Mooring's API, so that every package may use it.
 */
public final class Require {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private Require() {}

    /** A required setting that was never given. */
    public static IllegalArgumentException missing(String setting, String why) {
        return new IllegalArgumentException(setting + " must be set: " + why);
    }

    public static <T> T nonNull(T value, String setting) {
        if (value == null) {
            throw new NullPointerException(setting + " must not be null");
        }
        return value;
    }

    /** A string that must say something: refuses null and blank strings, both with an IllegalArgumentException. */
    public static String notBlank(String value, String setting) {
        if (value == null) {
            throw new IllegalArgumentException(setting + " must not be null");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(setting + " must not be blank");
        }
        return value;
    }

    public static <C extends Collection<?>> C notEmpty(C values, String setting) {
        if (nonNull(values, setting).isEmpty()) {
            throw new IllegalArgumentException(setting + " must not be empty");
        }
        return values;
    }

    /** A Kubernetes object name (RFC 1123 label), as Services and namespaces are named. */
    public static String dnsLabel(String value, String setting) {
        notBlank(value, setting);
        if (!DNS_LABEL.matcher(value).matches()) {
            throw invalid(setting, "a DNS label (lowercase letters, digits and '-', at most 63 characters)", value);
        }
        return value;
    }

    public static Duration positive(Duration value, String setting) {
        if (durationOrThrow(value, setting).isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + " must be positive, was " + value);
        }
        return value;
    }

    public static Duration zeroOrPositive(Duration value, String setting) {
        if (durationOrThrow(value, setting).isNegative()) {
            throw new IllegalArgumentException(setting + " must be zero or positive, was " + value);
        }
        return value;
    }

    /** At least {@code minimum}, which is given in milliseconds as messages name it. */
    public static Duration atLeastMillis(Duration value, long minimum, String setting) {
        if (durationOrThrow(value, setting).compareTo(Duration.ofMillis(minimum)) < 0) {
            throw new IllegalArgumentException(setting + " must be at least " + minimum + " ms, was " + value);
        }
        return value;
    }

    public static int zeroOrPositive(int value, String setting) {
        if (value < 0) {
            throw new IllegalArgumentException(setting + " must be zero or positive, was " + value);
        }
        return value;
    }

    public static long zeroOrPositive(long value, String setting) {
        if (value < 0) {
            throw new IllegalArgumentException(setting + " must be zero or positive, was " + value);
        }
        return value;
    }

    public static int atLeast(int value, int minimum, String setting) {
        if (value < minimum) {
            throw new IllegalArgumentException(setting + " must be at least " + minimum + ", was " + value);
        }
        return value;
    }

    public static int inRange(int value, int min, int max, String setting) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " must be " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    /**
     * A value of the wrong form, or values that contradict each other: {@code <setting> must be <requirement>, was
     * <value>}.
     */
    public static IllegalArgumentException invalid(String setting, String requirement, Object value) {
        String shown = value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
        return new IllegalArgumentException(setting + " must be " + requirement + ", was " + shown);
    }

    /** Two settings that exclude each other were both given. */
    public static IllegalArgumentException notBoth(String setting, String other) {
        return new IllegalArgumentException(setting + " and " + other + " must not both be set");
    }

    private static Duration durationOrThrow(Duration value, String setting) {
        if (value == null) {
            throw new IllegalArgumentException(setting + " must not be null");
        }
        return value;
    }
}
