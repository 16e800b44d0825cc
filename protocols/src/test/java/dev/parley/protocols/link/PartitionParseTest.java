package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand.Partition;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code NemesisCommand.Partition.parse}: what a person types to partition a running group. */
class PartitionParseTest {

  @Test
  void sidesAreSeparatedBySlashesAndNodesByCommas() {
    Partition p = Partition.parse("n1,n2/n3");
    assertThat(p.sides()).containsExactly(Set.of(NodeId.n(1), NodeId.n(2)), Set.of(NodeId.n(3)));
  }

  @Test
  void spacesAroundNamesAreIgnored() {
    assertThat(Partition.parse(" n1 , n2 / n3 ").sides())
        .containsExactly(Set.of(NodeId.n(1), NodeId.n(2)), Set.of(NodeId.n(3)));
  }

  @Test
  void moreThanTwoSidesAreAllowed() {
    assertThat(Partition.parse("n1/n2/n3").sides()).hasSize(3);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   ", "n1,n2", "n1 n2"})
  void aSpecWithoutTwoSidesIsRejectedShowingTheExpectedForm(String spec) {
    assertThatThrownBy(() -> Partition.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sides separated by '/'")
        .hasMessageContaining("for example n1,n2/n3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/n3", "n1,n2/", "n1//n3", "n1/ , /n3", "/"})
  void anEmptySideIsRejectedQuotingTheSpec(String spec) {
    assertThatThrownBy(() -> Partition.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty side")
        .hasMessageContaining("'" + spec + "'");
  }

  @Test
  void anInvalidNodeNameIsRejectedNamingIt() {
    assertThatThrownBy(() -> Partition.parse("n1/n.3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'n.3'");
  }
}
