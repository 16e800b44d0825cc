package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.StateMachine;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What {@link StateMachineKind} makes of an HTTP call before anything is sent: the command under
 * the request id the body's client and seq name (or a client of its own), the answer's key, and
 * a clear error for a body or an operation it cannot use; Raft's settings read from its section,
 * each key optional. (The kind on three nodes over HTTP: UserKindSpec.)
 */
class StateMachineKindSpec {

  static final ObjectMapper JSON = new ObjectMapper();

  /** Add {@code n} to a counter. */
  record Add(RequestId id, long n) implements ClientRequest {
    @Override
    public String fingerprint() {
      return Fingerprint.of("add", Long.toString(n));
    }

    @Override
    public String describe() {
      return "an add of " + n;
    }

    @Override
    public boolean isWrite() {
      return true;
    }
  }

  static final StateMachine<Long, Add, Long> COUNTER =
      StateMachine.of(0L, (total, add) -> new StateMachine.Applied<>(total + add.n(), total + add.n()));

  static final StateMachineKind<Long, Add, Long> KIND = StateMachineKind.of("counter", "a counter", COUNTER)
      .operation("add", (id, body) -> new Add(id, JsonFields.whole(body, "n", 1, 100, 1)));

  static JsonNode body(String json) throws Exception {
    return JSON.readTree(json);
  }

  @Test
  void aCallIsTheCommandUnderTheBodysClientAndSeqAnsweredUnderThatId() throws Exception {
    ProtocolKind.Call call = KIND.call(null, "add", body("{\"n\":3,\"client\":\"alice\",\"seq\":7}"));

    RequestId id = new RequestId("alice", 7);
    assertThat(call.downcall()).isEqualTo(new Raft.Submit(new Add(id, 3)));
    assertThat(call.answerKey()).isEqualTo(id);
    assertThat(KIND.answerKeyOf(new StateMachineKind.Applied(id, 4L))).isEqualTo(id);
    assertThat(KIND.answerKeyOf(new StateMachineKind.Failed(id, "threw"))).isEqualTo(id);
    assertThat(KIND.answerKeyOf("something else")).isNull();
    assertThat(KIND.operations()).containsExactly("add");
  }

  @Test
  void aCallNamingNoClientIsAClientOfItsOwn() throws Exception {
    RequestId first = (RequestId) KIND.call(null, "add", body("{\"n\":1}")).answerKey();
    RequestId second = (RequestId) KIND.call(null, "add", null).answerKey();

    assertThat(Clients.isAnonymous(first.client())).isTrue();
    assertThat(first.client()).isNotEqualTo(second.client());
  }

  @Test
  void whatACallCannotUseIsRefusedWithTheReason() throws Exception {
    assertThatThrownBy(() -> KIND.call(null, "add", body("{\"n\":1,\"seq\":2}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give \"client\" too");
    assertThatThrownBy(() -> KIND.call(null, "add", body("{\"n\":1,\"client\":\"alice\"}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give \"seq\" too");
    assertThatThrownBy(() -> KIND.call(null, "add", body("{\"client\":7,\"seq\":1}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"client\" must be a string");
    assertThatThrownBy(() -> KIND.call(null, "add", body("{\"client\":\"no spaces\",\"seq\":1}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a client name");
    assertThatThrownBy(() -> KIND.call(null, "add", body("{\"n\":1000}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"n\" must be a whole number from 1 to 100");
    assertThatThrownBy(() -> KIND.call(null, "subtract", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown operation 'subtract' of counter");
  }

  @Test
  void aKindsOwnMistakesAreNamed() throws Exception {
    assertThatThrownBy(() -> KIND.operation("add", (id, body) -> new Add(id, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operation 'add' twice");
    StateMachineKind<Long, Add, Long> careless = KIND.operation("one", (id, body) -> new Add(new RequestId("x", 1), 1));
    assertThatThrownBy(() -> careless.call(null, "one", null))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("build the command with that id");
  }

  @Test
  void raftsSettingsComeFromTheKindsSectionEachKeyOptional() {
    Raft.Settings defaults = StateMachineKind.raftSettings(KindConfig.of("counter", ConfigFactory.empty()));
    Raft.Settings given = StateMachineKind.raftSettings(KindConfig.of("counter", ConfigFactory.parseString(
        "parley.kinds.counter { heartbeat = 20ms, snapshot-interval = 500 }")));

    assertThat(defaults).isEqualTo(Raft.Settings.DEFAULT);
    assertThat(given.election().heartbeat()).isEqualTo(Duration.ofMillis(20));
    assertThat(given.snapshotInterval()).isEqualTo(500);
    assertThat(given.maxBatchesInFlight()).isEqualTo(Raft.Settings.DEFAULT.maxBatchesInFlight());
    assertThatThrownBy(() -> StateMachineKind.raftSettings(KindConfig.of("counter", ConfigFactory.parseString(
        "parley.kinds.counter.snapshot-interval = 0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snapshotInterval");
  }
}
