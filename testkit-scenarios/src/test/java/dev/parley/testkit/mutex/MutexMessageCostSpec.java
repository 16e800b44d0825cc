package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Messages per critical-section entry without contention (the contenders take turns), measured in
 * the simulation and compared with the costs of docs/mutex.md: exactly 3 for the lock server, 2(N-1) for
 * Ricart-Agrawala, 3(N-1) for Lamport; the token ring's passes from request to entry, the voting
 * and Maekawa costs reported (and held to their formulas). A node's messages to itself (its own vote
 * or lock) are local and not counted.
 */
class MutexMessageCostSpec {

  static final int ROUNDS = 3;
  static final Duration DEADLINE = Duration.ofSeconds(30);

  private static SimContention.Result takeTurns(
      Simulation<Object> sim, List<NodeId> contenders, Duration from, MutexProtocol<?> mutex) {
    SimContention.Result r = SimContention.of(sim, contenders, mutex).oneAtATime().rounds(ROUNDS)
        .hold(ms(1), ms(2)).think(ms(0), ms(10)).startingAt(from).run(DEADLINE);
    MutualExclusionChecker.create().check(r.events()).requireValid();
    assertThat(r.entries()).isEqualTo(contenders.size() * ROUNDS);
    return r;
  }

  private static void report(String algorithm, int n, SimContention.Result r, String formula) {
    System.out.printf("%-26s N=%d  %6.2f messages per entry  (%s)  %s%n",
        algorithm, n, r.messagesPerEntry(), formula, r.sentByType());
  }

  @ParameterizedTest(name = "{0} clients")
  @ValueSource(ints = {3, 5, 7})
  void lockServerTakesExactlyThree(int n) {
    SimContention.Result r =
        takeTurns(Algorithms.lockServer(n).build(), Algorithms.clients(n), Duration.ZERO, LockClient.MUTEX);
    report("lock server", n, r, "3");
    int e = r.entries();
    assertThat(r.sentByType()).isEqualTo(Map.of("LockRequest", (long) e, "LockGrant", (long) e, "LockRelease", (long) e));
    assertThat(r.messagesSent()).isEqualTo(3L * e);
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void ricartAgrawalaTakesTwoTimesNMinusOne(int n) {
    Simulation<Object> sim = Algorithms.ricartAgrawala(n).build();
    SimContention.Result r = takeTurns(sim, sim.nodes(), Duration.ZERO, RicartAgrawala.MUTEX);
    report("Ricart-Agrawala", n, r, "2(N-1) = " + 2 * (n - 1));
    assertThat(r.messagesSent()).isEqualTo(2L * (n - 1) * r.entries());
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void lamportTakesThreeTimesNMinusOne(int n) {
    Simulation<Object> sim = Algorithms.lamport(n).fifoLinks(true).build();
    SimContention.Result r = takeTurns(sim, sim.nodes(), Duration.ZERO, LamportMutex.MUTEX);
    report("Lamport", n, r, "3(N-1) = " + 3 * (n - 1));
    assertThat(r.messagesSent()).isEqualTo(3L * (n - 1) * r.entries());
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void tokenRingTakesZeroToNMinusOnePassesFromRequestToEntry(int n) {
    Simulation<Object> sim = Algorithms.tokenRing(n).build();
    SimContention.Result r = takeTurns(sim, sim.nodes(), Duration.ZERO, TokenRing.MUTEX);
    double mean = r.messagesFromRequestToGrant().stream().mapToLong(Long::longValue).average().orElse(0);
    System.out.printf("%-26s N=%d  %6.2f token passes from request to entry, %s (catalogue 1 to N-1, 0 when"
            + " the token is already here; %.2f per entry counting idle circulation)%n",
        "token ring", n, mean, r.messagesFromRequestToGrant(), r.messagesPerEntry());
    assertThat(r.messagesFromRequestToGrant()).hasSize(r.entries()).allSatisfy(passes ->
        assertThat(passes).isBetween(0L, (long) n - 1));
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void decentralizedVotingTakesThreeTimesTheMajorityLessOne(int n) {
    Simulation<Object> sim = Algorithms.decentralized(n, Algorithms.VOTING_SETTINGS).build();
    Duration afterGrace = Algorithms.VOTING_SETTINGS.lease().plus(ms(1));
    SimContention.Result r = takeTurns(sim, sim.nodes(), afterGrace, DecentralizedMutex.MUTEX);
    int m = n / 2 + 1;
    report("decentralised voting", n, r, "3(m-1) = " + 3 * (m - 1) + ", m = N/2+1; catalogue about 3(N/2+1)");
    assertThat(r.messagesSent()).isEqualTo(3L * (m - 1) * r.entries());
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void maekawaTakesThreeTimesTheQuorumLessOne(int n) {
    Simulation<Object> sim = Algorithms.maekawa(n).fifoLinks(true).build();
    SimContention.Result r = takeTurns(sim, sim.nodes(), Duration.ZERO, Maekawa.MUTEX);
    long expected = 0;
    for (NodeId node : sim.nodes()) {
      expected += 3L * (Maekawa.gridQuorum(sim.nodes(), node).size() - 1) * ROUNDS;
    }
    report("Maekawa (grid quorums)", n, r, "3(K-1) averaged over nodes = "
        + String.format("%.2f", (double) expected / r.entries()) + "; catalogue about 3√N");
    assertThat(r.messagesSent()).isEqualTo(expected);
  }
}
