package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.IpFamilyPreference.Family;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** One address family per Service, each pod one node: the rule every source's endpoints go through. */
class IpFamilyPreferenceTest {

    @ParameterizedTest(name = "{0} with {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            IPV4_PREFERRED | IPV4       | IPV4
            IPV4_PREFERRED | IPV6       | IPV6
            IPV4_PREFERRED | IPV4 IPV6  | IPV4
            IPV4_PREFERRED | ''         | ''
            IPV6_PREFERRED | IPV4       | IPV4
            IPV6_PREFERRED | IPV6       | IPV6
            IPV6_PREFERRED | IPV4 IPV6  | IPV6
            IPV4_ONLY      | IPV6       | ''
            IPV4_ONLY      | IPV4 IPV6  | IPV4
            IPV6_ONLY      | IPV4       | ''
            IPV6_ONLY      | IPV4 IPV6  | IPV6
            """)
    void choosesOneFamilyForTheService(IpFamilyPreference preference, String present, String chosen) {
        Set<Family> families = present.isBlank()
                ? Set.of()
                : Set.copyOf(
                        Arrays.stream(present.split(" ")).map(Family::valueOf).toList());
        assertThat(preference.choose(families).map(Family::name).orElse("")).isEqualTo(chosen);
    }

    static Stream<Arguments> scenarios() {
        Endpoint pod0v4 = new Endpoint("10.0.0.1", 6379, "redis-0", true, false);
        Endpoint pod0v6 = new Endpoint("fd00::1", 6379, "redis-0", true, false);
        Endpoint pod1v4 = new Endpoint("10.0.0.2", 6379, "redis-1", false, false);
        Endpoint pod1v6 = new Endpoint("fd00::2", 6379, "redis-1", false, false);
        Endpoint aRecord = Endpoint.of("10.0.0.3", 6379);
        Endpoint aaaaRecord = Endpoint.of("fd00::3", 6379);
        Endpoint name = Endpoint.of("redis.example.com", 6379);
        Endpoint pod0second = new Endpoint("10.0.9.1", 6379, "redis-0", true, false);
        return Stream.of(
                Arguments.of(
                        "dual-stack slices: the IPv4 one",
                        IpFamilyPreference.IPV4_PREFERRED,
                        List.of(pod0v4, pod0v6, pod1v4, pod1v6),
                        List.of(pod0v4, pod1v4)),
                Arguments.of(
                        "dual-stack slices, IPv6 preferred",
                        IpFamilyPreference.IPV6_PREFERRED,
                        List.of(pod0v4, pod0v6, pod1v4, pod1v6),
                        List.of(pod0v6, pod1v6)),
                Arguments.of(
                        "an IPv6 cluster with the default",
                        IpFamilyPreference.IPV4_PREFERRED,
                        List.of(pod0v6, pod1v6),
                        List.of(pod0v6, pod1v6)),
                Arguments.of(
                        "A and AAAA records without pod names: one family",
                        IpFamilyPreference.IPV4_PREFERRED,
                        List.of(aRecord, aaaaRecord),
                        List.of(aRecord)),
                Arguments.of(
                        "only the other family: nothing",
                        IpFamilyPreference.IPV6_ONLY,
                        List.of(pod0v4, pod1v4),
                        List.of()),
                Arguments.of(
                        "a host name has no family: kept",
                        IpFamilyPreference.IPV6_ONLY,
                        List.of(name, pod0v4),
                        List.of(name)),
                Arguments.of(
                        "a pod twice in one family (a source listing all its addresses): its first",
                        IpFamilyPreference.IPV4_PREFERRED,
                        List.of(pod0v4, pod0second, pod1v4),
                        List.of(pod0v4, pod1v4)),
                Arguments.of("nothing", IpFamilyPreference.IPV4_PREFERRED, List.of(), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void eachPodIsOneEndpointOfOneFamily(
            String scenario, IpFamilyPreference preference, List<Endpoint> endpoints, List<Endpoint> selected) {
        assertThat(preference.select(endpoints)).containsExactlyElementsOf(selected);
        EndpointSnapshot snapshot = EndpointSnapshot.now("test", endpoints);
        assertThat(preference.select(snapshot).endpoints()).containsExactlyElementsOf(selected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.0.0.1,           IPV4",
        "fd00::1,            IPV6",
        "[FD00:0::1],        IPV6",
        "::ffff:10.0.0.1,    IPV4",
        "redis-0.redis.ns,   ''",
        "10.0.0,             ''",
        "999.0.0.1,          ''",
    })
    void tellsTheFamilyOfAnAddress(String host, String family) {
        assertThat(Family.of(host).map(Family::name).orElse("")).isEqualTo(family);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"IPv4, IPV4", "IPv6, IPV6", "FQDN, ''"})
    void readsAnEndpointSlicesAddressType(String addressType, String family) {
        assertThat(Family.ofAddressType(addressType).map(Family::name).orElse(""))
                .isEqualTo(family);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"IPV4_PREFERRED, ipv4-preferred", "IPV6_ONLY, ipv6-only"})
    void isSpelledInPropertiesInKebabCase(IpFamilyPreference preference, String value) {
        assertThat(preference.propertyValue()).isEqualTo(value);
    }
}
