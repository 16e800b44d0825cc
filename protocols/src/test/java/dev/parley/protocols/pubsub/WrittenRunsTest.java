package dev.parley.protocols.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.pubsub.TopicBroker.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The index of recent writes answers a push's lookup with the very message the write put in the
 * state, and never answers for an offset it does not hold (so the broker then asks the state).
 */
class WrittenRunsTest {

  private static List<Message> write(long first, int count) {
    List<Message> run = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      run.add(new Message(first + i, "p", first + i, "t", null, "v" + (first + i)));
    }
    return List.copyOf(run);
  }

  @Test
  void findsEachMessageOfTheWritesKeptByItsOffset() {
    WrittenRuns runs = new WrittenRuns();
    List<Message> a = write(1, 100);
    List<Message> b = write(101, 3);
    List<Message> c = write(104, 4_000);
    runs.add(a);
    runs.add(List.of());
    runs.add(b);
    runs.add(c);
    for (List<Message> run : List.of(a, b, c)) {
      for (Message m : run) {
        assertThat(runs.find(m.offset())).isSameAs(m);
      }
    }
    assertThat(runs.find(0)).as("before the first write").isNull();
    assertThat(runs.find(4_104)).as("not written yet").isNull();
  }

  @Test
  void answersNothingForWritesDroppedOrNotSeen() {
    WrittenRuns runs = new WrittenRuns();
    runs.add(write(1, 10));
    runs.add(write(11, 10));
    runs.add(write(31, 10)); // 21..30 written while the index did not see it (say, before a restart)
    assertThat(runs.find(25)).isNull();

    runs.keepFrom(15);
    assertThat(runs.find(5)).as("every message of the first write is older than the state keeps").isNull();
    assertThat(runs.find(12).payload()).as("a write with a message still kept stays whole").isEqualTo("v12");
    assertThat(runs.find(35).payload()).isEqualTo("v35");

    runs.keepFrom(Long.MAX_VALUE); // the state keeps nothing
    assertThat(runs.find(35)).isNull();
    runs.add(write(41, 2));
    assertThat(runs.find(42).payload()).isEqualTo("v42");
  }
}
