package io.github.mooring.discovery;

import io.github.mooring.internal.Require;

/**
 * Which port of the Service carries Redis: by name (as the Service's {@code ports[].name}, default {@code redis})
 * or by number.
 *
 * @param name the port name, or null when chosen by number
 * @param number the port number, or 0 when chosen by name
 */
public record ServicePort(String name, int number) {

    /** The default: the port named {@code redis}. */
    public static final ServicePort DEFAULT = named("redis");

    public ServicePort {
        if (name != null && number != 0) {
            throw Require.notBoth("port name", "port number");
        }
        // Port 0 is "no number" here: parse("0") and number(0) must say the number is out of range.
        if (name == null) {
            Require.inRange(number, 1, 65535, "port");
        }
        if (name != null && !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw Require.invalid("port", "a port name (lowercase letters, digits and '-') or a number", name);
        }
    }

    public static ServicePort named(String name) {
        return new ServicePort(name, 0);
    }

    public static ServicePort number(int number) {
        return new ServicePort(null, number);
    }

    /** Parses {@code "redis"} or {@code "6379"}. */
    public static ServicePort parse(String value) {
        Require.notBlank(value, "port");
        return value.chars().allMatch(Character::isDigit) ? number(Integer.parseInt(value)) : named(value);
    }

    /** Whether a port with this name and number is the one chosen. */
    public boolean matches(String portName, Integer portNumber) {
        return name != null ? name.equals(portName) : portNumber != null && portNumber == number;
    }

    @Override
    public String toString() {
        return name != null ? "port '" + name + "'" : "port " + number;
    }
}
