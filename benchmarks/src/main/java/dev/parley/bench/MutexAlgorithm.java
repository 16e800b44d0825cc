package dev.parley.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The mutual-exclusion algorithms as the mutex harness runs them: N contending nodes (for the lock
 * server, N clients and the server), each node's behavior, whether its model needs FIFO links, and
 * the catalogue's message cost per entry without contention.
 */
enum MutexAlgorithm {
  LOCK_SERVER("lock server, H2 journal on disk", n -> "3", false),
  RICART_AGRAWALA("Ricart-Agrawala", n -> "2(N-1) = " + 2 * (n - 1), false),
  LAMPORT("Lamport", n -> "3(N-1) = " + 3 * (n - 1), true),
  TOKEN_RING("token ring", n -> "1 to N-1 passes", false),
  MAJORITY_VOTING("decentralised voting", n -> "3(m-1) = " + 3 * (n / 2) + ", m = N/2+1", false),
  MAEKAWA("Maekawa, √N grid", MutexAlgorithm::maekawaCost, true);

  static final NodeId SERVER = NodeId.of("server");

  private final String title;
  private final IntFunction<String> formula;
  private final boolean fifo;

  MutexAlgorithm(String title, IntFunction<String> formula, boolean fifo) {
    this.title = title;
    this.formula = formula;
    this.fifo = fifo;
  }

  String title() {
    return title;
  }

  String formula(int n) {
    return formula.apply(n);
  }

  /** Whether its model asks for FIFO links (the simulation then keeps them so). */
  boolean fifo() {
    return fifo;
  }

  /** The nodes that compete for the critical section. */
  static List<NodeId> contenders(int n) {
    List<NodeId> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      ids.add(NodeId.n(i));
    }
    return ids;
  }

  /** Every node of the group: the contenders, and the lock server's own node. */
  List<NodeId> nodes(int n) {
    List<NodeId> nodes = contenders(n);
    if (this == LOCK_SERVER) {
      nodes.add(SERVER);
    }
    return nodes;
  }

  /** How a contender drives it: its acquire and release downcalls (the lock server's clients'). */
  MutexProtocol<?> mutex() {
    return switch (this) {
      case LOCK_SERVER -> LockClient.MUTEX;
      case RICART_AGRAWALA -> RicartAgrawala.MUTEX;
      case LAMPORT -> LamportMutex.MUTEX;
      case TOKEN_RING -> TokenRing.MUTEX;
      case MAJORITY_VOTING -> DecentralizedMutex.MUTEX;
      case MAEKAWA -> Maekawa.MUTEX;
    };
  }

  /** The behavior of one node, reporting to {@code listener}; {@code lock} names the server's journal. */
  Behavior<Object> create(Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> listener, String lock) {
    Duration ms = Duration.ofMillis(1);
    return switch (this) {
      case LOCK_SERVER -> LockServer.inGroup(SERVER, lock, LockServer.Settings.DEFAULT,
          LockClient.Settings.DEFAULT, peers, env, listener);
      case RICART_AGRAWALA -> RicartAgrawala.create(typed(peers), listener).unsafeCast();
      case LAMPORT -> LamportMutex.create(typed(peers), listener).unsafeCast();
      case TOKEN_RING -> TokenRing.create(typed(peers), listener,
          new TokenRing.Settings(Duration.ZERO, Duration.ofSeconds(5))).unsafeCast();
      case MAJORITY_VOTING -> DecentralizedMutex.create(typed(peers), env, listener,
          new DecentralizedMutex.Settings(Duration.ofSeconds(2), ms.multipliedBy(10), ms.multipliedBy(100),
              ms, ms.multipliedBy(20), false)).unsafeCast();
      case MAEKAWA -> Maekawa.create(typed(peers), listener).unsafeCast();
    };
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <C> Peers<C> typed(Peers<Object> peers) {
    return (Peers) peers;
  }

  private static String maekawaCost(int n) {
    List<NodeId> nodes = contenders(n);
    double k = nodes.stream().mapToInt(node -> Maekawa.gridQuorum(nodes, node).size()).average().orElse(0);
    return String.format("3(K-1) = %.1f, K = %.1f", 3 * (k - 1), k);
  }
}
