package dev.parley.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.typesafe.config.ConfigFactory;
import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.StateMachine;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What {@link StateMachineKind} makes of an HTTP call before anything is sent: the command under
 * the request id the caller's client and seq name (or a client of its own), the answer's key, and
 * a clear error for a body or an operation it cannot use (a body that does not map onto its record
 * at all: OperationPathSpec); Raft's settings read from its section,
 * each key optional. (The kind on three nodes over HTTP: UserKindSpec.)
 */
class StateMachineKindSpec {

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

  /** The body of {@code add}: how much, 1 to 100. */
  record Amount(@JsonProperty(required = true) Long n) {
    Amount {
      if (n != null && (n < 1 || n > 100)) {
        throw new IllegalArgumentException("\"n\" must be a whole number from 1 to 100, got " + n);
      }
    }
  }

  static final StateMachineKind<Long, Add, Long> KIND = StateMachineKind.of("counter", "a counter", COUNTER)
      .operation("add", Amount.class, (id, body) -> new Add(id, body.n()));

  static Invocation.Answered<?> invoke(StateMachineKind<?, ?, ?> kind, String op, Caller caller, Record body) {
    Operation<?> operation = kind.operations().stream().filter(o -> o.name().equals(op)).findFirst().orElseThrow();
    return (Invocation.Answered<?>) operation.invoke(caller, body);
  }

  @Test
  void aCallIsTheCommandUnderTheCallersClientAndSeqAnsweredUnderThatId() {
    Invocation.Answered<?> call = invoke(KIND, "add", new Caller(null, "alice", Optional.of(7L)), new Amount(3L));

    RequestId id = new RequestId("alice", 7);
    assertThat(call.downcall()).isEqualTo(new Raft.Submit(new Add(id, 3)));
    assertThat(call.key()).isEqualTo(id);
    assertThat(call.keyIn(new StateMachineKind.Applied(id, 4L))).isEqualTo(id);
    assertThat(call.keyIn(new StateMachineKind.Failed(id, "threw"))).isEqualTo(id);
    assertThat(call.keyIn("something else")).isNull();
    assertThat(call.fingerprint()).isEqualTo(new Add(id, 3).fingerprint());
    assertThat(KIND.operations()).extracting(Operation::name).containsExactly("add");
    assertThat(KIND.operations().get(0).shape()).isEqualTo("{\"n\": whole number}");
  }

  @Test
  void aCallNamingNoClientIsAClientOfItsOwn() {
    RequestId first = (RequestId) invoke(KIND, "add", Caller.anonymous(null), new Amount(1L)).key();
    RequestId second = (RequestId) invoke(KIND, "add", Caller.anonymous(null), new Amount(1L)).key();

    assertThat(Clients.isAnonymous(first.client())).isTrue();
    assertThat(first.client()).isNotEqualTo(second.client());
  }

  @Test
  void aBodyTheOperationCannotUseIsRefusedWithTheReason() {
    assertThatThrownBy(() -> new Amount(1000L))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"n\" must be a whole number from 1 to 100");
  }

  @Test
  void aKindsOwnMistakesAreNamed() {
    assertThatThrownBy(() -> KIND.operation("add", Amount.class, (id, body) -> new Add(id, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operation 'add' twice");
    StateMachineKind<Long, Add, Long> careless =
        KIND.operation("one", Amount.class, (id, body) -> new Add(new RequestId("x", 1), 1));
    assertThatThrownBy(() -> invoke(careless, "one", Caller.anonymous(null), new Amount(1L)))
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
