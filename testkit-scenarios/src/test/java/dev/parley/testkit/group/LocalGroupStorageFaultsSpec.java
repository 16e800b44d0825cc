package dev.parley.testkit.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.mutex.BrokenLocks;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Storage faults in a group of real actors, on the lock server (a server node and two clients):
 * a crash that lands while a write is under way, a write that fails, and a journal that
 * acknowledges before it syncs. Each scenario waits for the journal's own state (a write under way)
 * before it crashes the server, so it lands where it means to on a busy machine too.
 */
class LocalGroupStorageFaultsSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId SERVER = NodeId.of("server");
  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final Duration PATIENCE = Duration.ofSeconds(10);

  /** A lease far longer than a scenario: a holder holds until it releases. */
  static final LockServer.Settings SERVER_SETTINGS = new LockServer.Settings(Duration.ofSeconds(30), Duration.ofMillis(5));
  static final LockClient.Settings CLIENT_SETTINGS = new LockClient.Settings(Duration.ofMillis(50), Duration.ZERO,
      Duration.ofMillis(10));

  /** Every write of the server takes 300 ms. */
  static final StorageFaults SLOW = StorageFaults.NONE.withWriteDelay(Delay.fixed(Duration.ofMillis(300)));

  private static LocalGroup.Builder group() {
    return parley.group(List.of(N1, N2, SERVER));
  }

  private static LocalGroup<Object> correct(LocalGroup.Builder builder, String lock) {
    return builder.start((peers, env, upcalls) ->
        LockServer.inGroup(SERVER, lock, SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow()));
  }

  private static LocalGroup<Object> grantingEarly(LocalGroup.Builder builder, String lock) {
    return builder.start((peers, env, upcalls) -> BrokenLocks.grantingBeforeWriting(
        SERVER, lock, SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow()));
  }

  /** n1 asks; the server crashes while the write recording n1's request is under way, and restarts. */
  private static void crashWhileTheFirstWriteIsUnderWay(LocalGroup<Object> group) {
    group.tell(N1, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.journal(SERVER).underWay()).isEqualTo(1));
    group.crash(SERVER);
    assertThat(group.journal(SERVER).lostUnderWay()).isEqualTo(1);
    group.restart(SERVER);
  }

  /** The server's status; fails after a second if it does not answer (it is down: await it). */
  private static LockServer.Status status(LocalGroup<Object> group) {
    TestProbe<LockServer.Status> probe = parley.actorTestKit().createTestProbe();
    group.tell(SERVER, new LockServer.GetStatus(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(1));
  }

  @Test
  void aCrashDuringASlowWriteLosesTheWriteAndTheCorrectServerGrantsOnlyWhatItWrote() {
    LocalGroup<Object> group = correct(group().storage(SERVER, SLOW), "mid-write-correct");
    crashWhileTheFirstWriteIsUnderWay(group);

    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N1, Granted.class)).isNotEmpty());
    group.tell(N2, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(status(group).queue()).containsExactly(N2));
    assertThat(group.upcalls().of(N1, Granted.class)).containsExactly(new Granted(N1, 1)); // after the retry
    assertThat(group.upcalls().of(N2, Granted.class)).isEmpty();
    assertThat(status(group).holder()).isEqualTo(N1);
    assertThat(group.journal(SERVER).events()).first()
        .isInstanceOfSatisfying(LockServer.Enqueued.class, e -> assertThat(e.client()).isEqualTo(N1));
  }

  @Test
  void aServerThatGrantsBeforeItsWriteCompletesGivesTheLockTwiceAfterACrashDuringTheWrite() {
    LocalGroup<Object> group = grantingEarly(group().storage(SERVER, SLOW), "mid-write-early");
    crashWhileTheFirstWriteIsUnderWay(group);
    assertThat(group.upcalls().of(N1, Granted.class)).containsExactly(new Granted(N1, 1)); // before the write

    group.tell(N2, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N2, Granted.class)).isNotEmpty());
    assertThat(group.upcalls().of(N2, Granted.class)).containsExactly(new Granted(N2, 1)); // n1 still holds 1
  }

  @Test
  void aFailedWriteStopsTheServerWhichRestartsAndRecoversWithNoGrantLost() {
    // seed 4: the server's first write (n1's request) succeeds, its second (n2's) fails, the next two succeed
    StorageFaults failing = StorageFaults.NONE.withFailRate(0.5).withRestartAfter(Duration.ofMillis(200));
    LocalGroup<Object> group = correct(group().seed(4).storage(SERVER, failing), "failing");
    group.tell(N1, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N1, Granted.class)).isNotEmpty());
    group.tell(N2, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.journal(SERVER).failed()).isPositive());

    group.await(PATIENCE, () -> {
      LockServer.Status s = status(group);
      assertThat(s.holder()).isEqualTo(N1);
      assertThat(s.lastToken()).isEqualTo(1);
    });
    group.tell(N1, new LockClient.Release());
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N2, Granted.class)).isNotEmpty());
    assertThat(group.upcalls().of(N1, Granted.class)).containsExactly(new Granted(N1, 1));
    assertThat(group.upcalls().of(N2, Granted.class)).containsExactly(new Granted(N2, 2));
  }

  /**
   * The fault model of {@code unforcedFor}: the journal confirms a write (Akka's persist completes,
   * the server acts on it) but reaches the device only that long after; a crash (a power cut) before
   * then loses the write. The server did everything right, waiting for its write before granting; the
   * journal's acknowledgement was the lie. So the grant vanishes and the lock goes out twice with the
   * same token: a durable protocol is only as safe as a journal that forces before it acknowledges.
   */
  @Test
  void aJournalThatAcknowledgesBeforeItSyncsLosesAnAcknowledgedGrantAtACrash() {
    StorageFaults unforced = StorageFaults.NONE.withUnforcedFor(Duration.ofSeconds(30));
    LocalGroup<Object> group = correct(group().storage(SERVER, unforced), "unforced");
    group.tell(N1, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N1, Granted.class)).isNotEmpty());
    group.crash(SERVER); // a power cut: the write recording n1's grant was acknowledged, not yet forced
    assertThat(group.journal(SERVER).lostUnforced()).isEqualTo(1);
    group.restart(SERVER);

    group.tell(N2, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N2, Granted.class)).isNotEmpty());
    assertThat(group.upcalls().of(N2, Granted.class)).containsExactly(new Granted(N2, 1)); // n1 holds 1 too
  }

  @Test
  void withTheTailForcedTheSameCrashLosesNothing() {
    LocalGroup<Object> group = correct(group().storage(SERVER, StorageFaults.NONE.withWriteDelay(
        Delay.fixed(Duration.ofMillis(20)))), "forced");
    group.tell(N1, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(group.upcalls().of(N1, Granted.class)).isNotEmpty());
    group.crash(SERVER);
    group.restart(SERVER);

    group.tell(N2, new LockClient.Acquire());
    group.await(PATIENCE, () -> assertThat(status(group).queue()).containsExactly(N2));
    assertThat(status(group).holder()).isEqualTo(N1);
    assertThat(group.journal(SERVER).lostUnforced()).isZero();
  }

  @Test
  void storageFaultsForANodeNotInTheGroupAreRefusedNamingTheMembers() {
    assertThatThrownBy(() -> group().storage(NodeId.n(9), SLOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no node n9 in this group")
        .hasMessageContaining("[n1, n2, server]");
  }

  @Test
  void impossibleStorageFaultsAreRefusedWithWhatToDo() {
    assertThatThrownBy(() -> group().storage(StorageFaults.NONE.withFailRate(1.0)))
        .hasMessageContaining("a probability in [0, 1): got 1.0");
    assertThatThrownBy(() -> group().storage(StorageFaults.NONE.withWriteDelay(Delay.fixed(Duration.ofMillis(-1)))))
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> group().storage(StorageFaults.NONE.withUnforcedFor(Duration.ofMillis(-5))))
        .hasMessageContaining("unforcedFor must not be negative");
    assertThatThrownBy(() -> group().storage(SERVER, StorageFaults.NONE.withWriteDelay(Delay.fixed(Duration.ofMinutes(1)))))
        .hasMessageContaining("keep write delays to milliseconds");
  }

  @Test
  void anEventSourcedBehaviorTheGroupCannotFindIsReportedNotWrittenWithoutItsFaults() {
    LocalGroup<Object> group = parley.group(List.of(N1, N2, SERVER)).storage(SLOW)
        .start((peers, env, upcalls) -> Behaviors.setup(ctx -> LockServer.inGroup(SERVER, "hidden",
            SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow())));
    group.tell(N1, new LockClient.Acquire());
    assertThatThrownBy(() -> group.await(Duration.ofSeconds(3),
        () -> assertThat(group.upcalls().of(N1, Granted.class)).isNotEmpty()))
        .hasMessageContaining("persistence id lock-server|hidden")
        .hasMessageContaining("Durable.of");
  }
}
