package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexPhase;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every algorithm answers its status query (what a node's HTTP status page shows): here n1 holds
 * the critical section and n2 waits for it.
 */
class MutexStatusSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);

  /** Asks {@code node} for its status with the query {@code ask} makes, and returns the answer. */
  private static <S> S status(Simulation<Object> sim, NodeId node, Function<ActorRef<S>, Object> ask) {
    TestInbox<S> inbox = TestInbox.create();
    sim.tell(node, ask.apply(inbox.getRef()));
    sim.runFor(Duration.ZERO);
    return inbox.receiveMessage();
  }

  /** n1 acquires, then n2; runs until both requests have settled. */
  private static Simulation<Object> n1HoldsN2Waits(
      Simulation.Builder<Object> builder, Duration from, MutexProtocol<?> mutex) {
    Simulation<Object> sim = builder.build();
    sim.tell(from, N1, mutex.acquire());
    sim.tell(from.plus(ms(5)), N2, mutex.acquire());
    sim.runUntil(from.plus(ms(20)));
    return sim;
  }

  @Test
  void lockServerAndClients() {
    Simulation<Object> sim = n1HoldsN2Waits(Algorithms.lockServer(2), Duration.ZERO, LockClient.MUTEX);
    LockServer.Status server = status(sim, Algorithms.SERVER, LockServer.GetStatus::new);
    assertThat(server.holder()).isEqualTo(N1);
    assertThat(server.queue()).containsExactly(N2);
    assertThat(server.leaseUntil()).isEqualTo(sim.clock().origin().plus(Algorithms.SERVER_SETTINGS.lease()));
    assertThat(status(sim, N1, LockClient.GetStatus::new).phase()).isEqualTo(MutexPhase.HELD);
    assertThat(status(sim, N2, LockClient.GetStatus::new).phase()).isEqualTo(MutexPhase.WANTED);
  }

  @Test
  void ricartAgrawala() {
    Simulation<Object> sim =
        n1HoldsN2Waits(Algorithms.ricartAgrawala(3), Duration.ZERO, RicartAgrawala.MUTEX);
    RicartAgrawala.Status holder = status(sim, N1, RicartAgrawala.GetStatus::new);
    assertThat(holder.phase()).isEqualTo(MutexPhase.HELD);
    assertThat(holder.deferred()).containsExactly(N2);
    RicartAgrawala.Status waiter = status(sim, N2, RicartAgrawala.GetStatus::new);
    assertThat(waiter.phase()).isEqualTo(MutexPhase.WANTED);
    assertThat(waiter.replied()).containsExactly(NodeId.n(3));
  }

  @Test
  void lamport() {
    Simulation<Object> sim =
        n1HoldsN2Waits(Algorithms.lamport(3).fifoLinks(true), Duration.ZERO, LamportMutex.MUTEX);
    assertThat(status(sim, N1, LamportMutex.GetStatus::new).phase()).isEqualTo(MutexPhase.HELD);
    LamportMutex.Status third = status(sim, NodeId.n(3), LamportMutex.GetStatus::new);
    assertThat(third.phase()).isEqualTo(MutexPhase.IDLE);
    assertThat(third.queue()).extracting(s -> s.node()).containsExactly(N1, N2);
  }

  @Test
  void maekawa() {
    Simulation<Object> sim =
        n1HoldsN2Waits(Algorithms.maekawa(4).fifoLinks(true), Duration.ZERO, Maekawa.MUTEX);
    Maekawa.Status holder = status(sim, N1, Maekawa.GetStatus::new);
    assertThat(holder.phase()).isEqualTo(MutexPhase.HELD);
    assertThat(holder.quorum()).containsExactly(N1, N2, NodeId.n(3));
    assertThat(holder.votes()).containsExactlyElementsOf(holder.quorum());
    assertThat(status(sim, N2, Maekawa.GetStatus::new).phase()).isEqualTo(MutexPhase.WANTED);
  }

  @Test
  void tokenRing() {
    Simulation<Object> sim = n1HoldsN2Waits(Algorithms.tokenRing(3), Duration.ZERO, TokenRing.MUTEX);
    TokenRing.Status holder = status(sim, N1, TokenRing.GetStatus::new);
    assertThat(holder.phase()).isEqualTo(MutexPhase.HELD);
    assertThat(holder.holdsToken()).isTrue();
    assertThat(status(sim, N2, TokenRing.GetStatus::new).holdsToken()).isFalse();
  }

  @Test
  void decentralizedVoting() {
    Duration afterGrace = Algorithms.VOTING_SETTINGS.lease().plus(ms(1));
    Simulation<Object> sim =
        n1HoldsN2Waits(Algorithms.decentralized(3, Algorithms.VOTING_SETTINGS), afterGrace, DecentralizedMutex.MUTEX);
    DecentralizedMutex.Status holder = status(sim, N1, DecentralizedMutex.GetStatus::new);
    assertThat(holder.phase()).isEqualTo(MutexPhase.HELD);
    assertThat(holder.votes()).hasSize(2).contains(N1);
    assertThat(holder.votedFor()).isEqualTo(N1);
    DecentralizedMutex.Status waiter = status(sim, N2, DecentralizedMutex.GetStatus::new);
    assertThat(waiter.phase()).isEqualTo(MutexPhase.WANTED);
    assertThat(waiter.failures()).isPositive();
  }
}
