package dev.parley.testkit.mutex;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.SerializationTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.parley.protocols.clock.LamportTimestamp;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LeaseExpired;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexPhase;
import dev.parley.protocols.mutex.Released;
import dev.parley.protocols.mutex.Requested;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.ParleyTestKit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What crosses a node boundary or goes to the journal travels as Jackson CBOR and comes back equal:
 * every algorithm's wire messages, the shared downcalls and upcalls, the lock server's events and
 * the state it snapshots, the status answers.
 */
class MutexWireFormatSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final LamportTimestamp STAMP = new LamportTimestamp(7, N2);
  static final Instant AT = Instant.parse("2024-01-01T00:00:01.5Z");

  private static void roundTrips(List<Object> messages) {
    SerializationTestKit serialization = new SerializationTestKit(parley.actorTestKit().system());
    for (Object m : messages) {
      assertThat(serialization.verifySerialization(m, true)).as(m.toString()).isEqualTo(m);
    }
  }

  @Test
  void eachProtocolsDowncallsAndTheSharedUpcalls() {
    roundTrips(List.of(new LockClient.Acquire(), new LockClient.Release(), new RicartAgrawala.Acquire(),
        new RicartAgrawala.Release(), new LamportMutex.Acquire(), new LamportMutex.Release(), new Maekawa.Acquire(),
        new Maekawa.Release(), new TokenRing.Acquire(), new TokenRing.Release(), new DecentralizedMutex.Acquire(),
        new DecentralizedMutex.Release(), new Requested(N1, 3), new Granted(N1, 42),
        new Released(N1), new LeaseExpired(N1, 42), new LockClient.AcquireTimedOut(N1),
        new TokenRing.TokenRegenerated(N1, 9), new DecentralizedMutex.BackedOff(N1, 2, Duration.ofMillis(7))));
  }

  @Test
  void lockServerMessagesEventsAndState() {
    LockServer.State state = new LockServer.State(new LockServer.Holder(N1, 5, 2),
        List.of(new LockServer.Waiter(N2, 6, 3)), 2, 3, List.of(new LockServer.Latest(N1, 5), new LockServer.Latest(N2, 6)));
    roundTrips(List.of(new LockServer.LockRequest(N1, 5), new LockServer.LockRelease(N1, 5, 2),
        new LockServer.Enqueued(N1, 5), new LockServer.Handover(2, true), new LockServer.Withdrawn(N2, 6),
        state, new LockServer.State(null, List.of(), 0, 0, List.of()),
        new LockServer.Status(N1, 2, AT, List.of(N2), List.of(), 2),
        new LockClient.LockGrant(5, 2, AT), new LockClient.Served(5), new LockClient.Status(N1, MutexPhase.HELD, 5, 2, AT)));
  }

  @Test
  void peerToPeerAlgorithmsMessages() {
    roundTrips(List.of(
        new RicartAgrawala.Request(STAMP), new RicartAgrawala.Reply(N1, STAMP, 8),
        new LamportMutex.Request(STAMP), new LamportMutex.Reply(N1, 8), new LamportMutex.ReleaseRequest(N1, 9),
        new TokenRing.Token(12, true),
        new DecentralizedMutex.VoteRequest(N1, 100), new DecentralizedMutex.Vote(N2, 100, true, AT),
        new DecentralizedMutex.Vote(N2, 100, false, null), new DecentralizedMutex.ReturnVote(N1, 100),
        new Maekawa.Request(STAMP), new Maekawa.Locked(N1, STAMP), new Maekawa.Failed(N1, STAMP),
        new Maekawa.Inquire(N1, STAMP), new Maekawa.Relinquish(N2, STAMP), new Maekawa.ReleaseVote(N2, STAMP)));
  }

  @Test
  void statusQueriesCarryTheirReplyAddress() {
    TestProbe<RicartAgrawala.Status> probe = parley.actorTestKit().createTestProbe();
    roundTrips(List.of(new RicartAgrawala.GetStatus(probe.getRef()),
        new RicartAgrawala.Status(N1, MutexPhase.WANTED, STAMP, 8, List.of(N2), List.of())));
  }
}
