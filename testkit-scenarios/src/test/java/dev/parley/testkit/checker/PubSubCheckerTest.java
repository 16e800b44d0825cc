package dev.parley.testkit.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.pubsub.TopicBroker.Filter;
import dev.parley.testkit.checker.PubSubChecker.Got;
import dev.parley.testkit.checker.PubSubChecker.Run;
import dev.parley.testkit.checker.PubSubChecker.Sent;
import dev.parley.testkit.checker.PubSubChecker.Subscriber;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The publish/subscribe checker finds each kind of violation, and passes a correct run. */
class PubSubCheckerTest {

  static final PubSubChecker CHECKER = new PubSubChecker();

  static final Sent A1 = new Sent("p", 1, "t", "a", "one", true);
  static final Sent B2 = new Sent("p", 2, "t", "b", "two", true);
  static final Sent A3 = new Sent("p", 3, "t", "a", "three", false);
  static final Sent Q1 = new Sent("q", 1, "t", "a", "q-one", true);
  static final List<Sent> PUBLISHED = List.of(A1, B2, A3, Q1);

  static Got got(Sent s) {
    return new Got(s.publisherId(), s.seq(), s.topic(), s.key(), s.payload());
  }

  static Verdict check(Filter filter, int owedFrom, Got... received) {
    return CHECKER.check(new Run(PUBLISHED, List.of(new Subscriber("s", "t", filter, owedFrom, List.of(received)))));
  }

  @Test
  void aRunWithEverythingOwedOnceAndInOrderIsValid() {
    assertThat(check(Filter.ALL, 0, got(A1), got(Q1), got(B2)).valid()).isTrue();
    assertThat(check(Filter.keyEquals("a"), 0, got(A1), got(Q1)).valid())
        .as("A3 was never acknowledged to its publisher: not owed, and may still be received").isTrue();
    assertThat(check(Filter.keyEquals("a"), 0, got(A1), got(A3), got(Q1)).valid()).isTrue();
    assertThat(check(Filter.ALL, 3, got(Q1)).valid()).as("subscribed after p's messages").isTrue();
  }

  @Test
  void aMissingMessageIsCaught() {
    Verdict v = check(Filter.ALL, 0, got(A1), got(Q1));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("s never received p#2");
  }

  @Test
  void aDuplicateIsCaught() {
    assertThat(check(Filter.ALL, 0, got(A1), got(B2), got(A1), got(Q1)).report()).contains("received p#1 twice");
  }

  @Test
  void aPublishersOrderBrokenIsCaught() {
    assertThat(check(Filter.ALL, 0, got(B2), got(A1), got(Q1)).report()).contains("received p#1 after p#2");
  }

  @Test
  void aMessageOutsideTheFilterIsCaught() {
    assertThat(check(Filter.keyEquals("a"), 0, got(A1), got(B2), got(Q1)).report()).contains("does not match");
  }

  @Test
  void aMessageNobodyPublishedOrOneAlteredIsCaught() {
    assertThat(check(Filter.ALL, 0, got(A1), got(B2), got(Q1), new Got("p", 9, "t", "a", "x")).report())
        .contains("which was not published");
    assertThat(check(Filter.ALL, 0, got(A1), new Got("p", 2, "t", "b", "changed"), got(Q1)).report())
        .contains("not published as such");
  }
}
