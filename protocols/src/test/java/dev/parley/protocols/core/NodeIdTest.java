package dev.parley.protocols.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NodeIdTest {

  @Test
  void namesWithTheSamePrefixOrderByTheirNumberNotAsText() {
    assertThat(NodeId.of("n2")).isLessThan(NodeId.of("n10"));
    assertThat(NodeId.n(9)).isLessThan(NodeId.n(10));

    List<NodeId> ids = new ArrayList<>(List.of(NodeId.of("n10"), NodeId.of("n2"), NodeId.of("n1"), NodeId.of("n3")));
    ids.sort(null);
    assertThat(ids).extracting(NodeId::name).containsExactly("n1", "n2", "n3", "n10");
  }

  @Test
  void differentPrefixesOrderAsText() {
    assertThat(NodeId.of("alpha9")).isLessThan(NodeId.of("beta1"));
    assertThat(NodeId.of("node")).isLessThan(NodeId.of("node1"));
  }

  @Test
  void nIsTheConventionalName() {
    assertThat(NodeId.n(3)).isEqualTo(NodeId.of("n3"));
    assertThat(NodeId.n(3).name()).isEqualTo("n3");
    assertThat(NodeId.n(3)).hasToString("n3");
  }

  @Test
  void equalNamesAreEqualIdsWithEqualHashCodes() {
    assertThat(NodeId.of("n7")).isEqualTo(NodeId.of("n7")).hasSameHashCodeAs(NodeId.of("n7"));
    assertThat(NodeId.of("n7")).isNotEqualTo(NodeId.of("n8"));
    assertThat(NodeId.of("n1")).as("leading zeros are another name").isNotEqualTo(NodeId.of("n01"));
  }

  static Stream<String> invalidNames() {
    return Stream.of("", "n 1", "n/1", "n.1", "nœud", "n1\n", "x".repeat(65));
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void invalidNamesAreRejectedWithAMessageNamingThemAndTheRule(String name) {
    assertThatThrownBy(() -> NodeId.of(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + name + "'")
        .hasMessageContaining("letters, digits");
  }

  @Test
  void aNullNameIsRejected() {
    assertThatThrownBy(() -> NodeId.of(null)).hasMessageContaining("node name");
  }

  @Test
  void sixtyFourCharactersAreAllowed() {
    assertThat(NodeId.of("x".repeat(64)).name()).hasSize(64);
  }

  @Provide
  Arbitrary<NodeId> ids() {
    Arbitrary<String> prefix = Arbitraries.of("n", "node", "a", "", "n0");
    Arbitrary<String> number = Arbitraries.of("", "1", "2", "10", "01", "007", "99999999999999999999");
    return net.jqwik.api.Combinators.combine(prefix, number)
        .as(String::concat)
        .filter(s -> !s.isEmpty())
        .map(NodeId::of);
  }

  @Property(tries = 300)
  void orderIsATotalOrderConsistentWithEquals(
      @ForAll("ids") NodeId a, @ForAll("ids") NodeId b, @ForAll("ids") NodeId c) {
    assertThat(a.compareTo(b) == 0).as("%s vs %s", a, b).isEqualTo(a.equals(b));
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(-Integer.signum(b.compareTo(a)));
    if (a.compareTo(b) <= 0 && b.compareTo(c) <= 0) {
      assertThat(a.compareTo(c)).as("%s <= %s <= %s", a, b, c).isLessThanOrEqualTo(0);
    }
  }
}
