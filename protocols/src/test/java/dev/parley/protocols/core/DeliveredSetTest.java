package dev.parley.protocols.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class DeliveredSetTest {

  @Test
  void aDuplicateIsNotDeliveredTwice() {
    DeliveredSet seen = new DeliveredSet();
    assertThat(seen.add(1)).isTrue();
    assertThat(seen.add(1)).isFalse();
    assertThat(seen.add(5)).isTrue();
    assertThat(seen.add(5)).as("a duplicate above a gap").isFalse();
  }

  @Test
  void aGapHoldsTheLowWaterMarkUntilItFills() {
    DeliveredSet seen = new DeliveredSet();
    seen.add(1);
    seen.add(3);
    seen.add(4);
    assertThat(seen.contiguous()).isEqualTo(1);
    assertThat(seen.contains(2)).isFalse();
    assertThat(seen.contains(3)).isTrue();

    assertThat(seen.add(2)).isTrue();
    assertThat(seen.contiguous()).as("2 fills the gap up to 4").isEqualTo(4);
    assertThat(seen.add(3)).as("below the low-water mark is a duplicate").isFalse();
  }

  @Test
  void sequenceNumbersStartAtOne() {
    DeliveredSet seen = new DeliveredSet();
    assertThatThrownBy(() -> seen.add(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("start at 1")
        .hasMessageContaining("got 0");
  }

  @Property(tries = 300)
  void eachNumberIsNewExactlyOnceAndTheMarkIsTheLongestPrefixSeen(
      @ForAll @Size(max = 60) List<@LongRange(min = 1, max = 30) Long> arrivals) {
    DeliveredSet seen = new DeliveredSet();
    Set<Long> model = new HashSet<>();
    for (long seq : arrivals) {
      assertThat(seen.add(seq)).as("add(%d) after %s", seq, model).isEqualTo(model.add(seq));
      long mark = 0;
      while (model.contains(mark + 1)) {
        mark++;
      }
      assertThat(seen.contiguous()).isEqualTo(mark);
    }
    for (long seq = 1; seq <= 31; seq++) {
      assertThat(seen.contains(seq)).isEqualTo(model.contains(seq));
    }
  }
}
