package dev.parley.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.testkit.checker.LockEvent;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.http.LockClients.Grant;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's parts that need no cluster: answers, lock intervals, observations, summaries, a dead node. */
class HarnessPartsTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static Answer answer(int status, String json) throws Exception {
    return Answer.of(status, JSON.readTree(json), json, "127.0.0.1:1");
  }

  @Test
  void anAnswerIsLabelledByStatusAndConflict() throws Exception {
    assertThat(answer(200, "{\"value\":null}").label()).isEqualTo("200");
    assertThat(answer(409, "{\"conflict\":\"cas-failed\",\"current\":\"a\"}").label()).isEqualTo("409 cas-failed");
    assertThat(Answer.none(Answer.Failure.REFUSED, "Connection refused").label()).isEqualTo("refused");
    assertThat(answer(503, "{\"error\":\"n2 does not serve this request and knows no node that does\"}")
        .doesNotServe()).isTrue();
    assertThat(answer(503, "{\"error\":\"no quorum\"}").doesNotServe()).isFalse();
    assertThat(answer(200, "{\"value\":null}").text("value")).isNull();
    assertThat(answer(200, "{\"value\":null}").has("value")).isTrue();
  }

  @Test
  void aDeadNodeIsARefusalWithinTheConnectTimeout() {
    try (HttpNodes nodes = new HttpNodes(List.of("127.0.0.1:9"))) {
      long start = System.nanoTime();
      Answer a = nodes.send(nodes.request(0, "/status", Duration.ofSeconds(5)).GET().build());
      assertThat(a.failure()).isEqualTo(Answer.Failure.REFUSED);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void confirmedIntervalsBecomeOrderedLockEventsAndOverlapsAreCaught() {
    List<Grant> apart = List.of(new Grant("L1", 1, 100, 200), new Grant("anon1-1", 2, 250, 300),
        new Grant("L2", 3, 320, -1));
    List<LockEvent> events = LockClients.events(apart);
    assertThat(events).extracting(LockEvent::kind).containsExactly(LockEvent.Kind.GRANT, LockEvent.Kind.RELEASE,
        LockEvent.Kind.GRANT, LockEvent.Kind.RELEASE);
    assertThat(MutualExclusionChecker.create().withoutFairness().check(events).valid()).isTrue();

    List<Grant> overlapping = List.of(new Grant("L1", 5, 100, 200), new Grant("L2", 5, 150, 250));
    Verdict v = MutualExclusionChecker.create().withoutFairness().check(LockClients.events(overlapping));
    assertThat(v.valid()).isFalse();
    assertThat(v.report()).contains("L2 was granted at t=150 while L1 held the lock").contains("fencing token did not increase");
    assertThat(LockClients.distinctTokens(overlapping).report()).contains("token 5 granted to L1 at t=100 and to L2");
    assertThat(LockClients.distinctTokens(apart).valid()).isTrue();
  }

  @Test
  void aReleaseAtTheMomentOfTheNextGrantIsNotAnOverlap() {
    List<Grant> touching = List.of(new Grant("L1", 1, 100, 200), new Grant("L2", 2, 200, 300));
    assertThat(MutualExclusionChecker.create().withoutFairness().check(LockClients.events(touching)).valid()).isTrue();
  }

  @Test
  void anyClientNameBecomesANodeId() {
    assertThat(LockClients.nodeId("L1")).isEqualTo(NodeId.of("L1"));
    assertThat(LockClients.nodeId("anon:7/x")).isEqualTo(NodeId.of("anon_7_x"));
    assertThat(LockClients.nodeId("x".repeat(80)).name()).hasSize(64);
  }

  @Test
  void breachesAreGroupedByKindWithAnExample() {
    Observations seen = new Observations("kv");
    seen.count(Answer.none(Answer.Failure.TIMEOUT, "timed out"));
    assertThat(seen.contract().valid()).isTrue();
    seen.breach("200 to a malformed request", "first");
    seen.breach("200 to a malformed request", "second");
    seen.breach("500 to get", "third");
    Verdict v = seen.contract();
    assertThat(v.valid()).isFalse();
    assertThat(v.summary()).isEqualTo("3 of 1 answers outside the contract (2 kinds)");
    assertThat(v.counterexample()).containsExactly("2 x 200 to a malformed request", "    e.g. first",
        "1 x 500 to get", "    e.g. third");
  }

  @Test
  void aSummaryCountsOperationsOnceAndAnswersByKind() throws Exception {
    HistoryRecorder history = new HistoryRecorder();
    history.ok(history.invoke("c1", "put", "k", "v"));
    history.fail(history.invoke("c1", "put", "k", "w"), "400");
    history.info(history.invoke("c2", "get", "k", null), "504");
    history.invoke("c3", "get", "k", null);
    Observations seen = new Observations("kv");
    seen.count(answer(200, "{}"));
    seen.count(answer(400, "{}"));
    seen.count(answer(409, "{\"conflict\":\"id-reused\"}"));
    Summary s = Summary.of("kv", history.history(), seen);
    assertThat(s.ops()).isEqualTo(4);
    assertThat(s.ok()).isEqualTo(1);
    assertThat(s.fail()).isEqualTo(1);
    assertThat(s.info()).as("the open get counts as unknown").isEqualTo(2);
    assertThat(s.clientErrors()).isEqualTo(2);
    assertThat(s.answers("409 id-reused")).isEqualTo(1);
    assertThat(s.line()).startsWith("kv: 4 ops (ok 1, fail 1, info 2); 4xx 2; answers 200 x1, 400 x1, 409 id-reused x1");
  }
}
