package dev.parley.testkit.mutex;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.BrokenLocks;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The mutual-exclusion algorithms as simulated groups: each one's nodes, contenders and settings
 * scaled to the simulation's milliseconds. Every group has the message type {@code Object}, so one
 * workload and one checker drive them all.
 */
final class Algorithms {

  private Algorithms() {}

  static final NodeId SERVER = NodeId.of("server");

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  static final LockServer.Settings SERVER_SETTINGS = new LockServer.Settings(ms(200), ms(5));
  static final LockClient.Settings CLIENT_SETTINGS = new LockClient.Settings(ms(30), Duration.ZERO, ms(1));
  static final TokenRing.Settings RING_SETTINGS = new TokenRing.Settings(ms(1), ms(400));
  static final DecentralizedMutex.Settings VOTING_SETTINGS =
      new DecentralizedMutex.Settings(ms(200), ms(1), ms(30), ms(2), ms(40), true);

  /** Clients n1..n<clients> of a lock server on node {@code server}. */
  static Simulation.Builder<Object> lockServer(int clients) {
    List<NodeId> nodes = new ArrayList<>(clients(clients));
    nodes.add(SERVER);
    return Simulation.builder(nodes, (peers, env, upcalls) -> LockServer.inGroup(
        SERVER, "lock", SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow()));
  }

  /** The same group, its server the broken one that grants before its write completes. */
  static Simulation.Builder<Object> lockServerGrantingEarly(int clients) {
    List<NodeId> nodes = new ArrayList<>(clients(clients));
    nodes.add(SERVER);
    return Simulation.builder(nodes, (peers, env, upcalls) -> BrokenLocks.grantingBeforeWriting(
        SERVER, "lock", SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow()));
  }

  static List<NodeId> clients(int n) {
    List<NodeId> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      ids.add(NodeId.n(i));
    }
    return ids;
  }

  static Simulation.Builder<Object> ricartAgrawala(int n) {
    return Simulation.builder(n, Algorithms.<RicartAgrawala.Command>untyped((peers, env, upcalls) ->
        RicartAgrawala.create(peers, upcalls.narrow())));
  }

  static Simulation.Builder<Object> lamport(int n) {
    return Simulation.builder(n, Algorithms.<LamportMutex.Command>untyped((peers, env, upcalls) ->
        LamportMutex.create(peers, upcalls.narrow())));
  }

  static Simulation.Builder<Object> tokenRing(int n) {
    return Simulation.builder(n, Algorithms.<TokenRing.Command>untyped((peers, env, upcalls) ->
        TokenRing.create(peers, upcalls.narrow(), RING_SETTINGS)));
  }

  static Simulation.Builder<Object> decentralized(int n, DecentralizedMutex.Settings settings) {
    return Simulation.builder(n, Algorithms.<DecentralizedMutex.Command>untyped((peers, env, upcalls) ->
        DecentralizedMutex.create(peers, env, upcalls.narrow(), settings)));
  }

  static Simulation.Builder<Object> maekawa(int n) {
    return Simulation.builder(n, Algorithms.<Maekawa.Command>untyped((peers, env, upcalls) ->
        Maekawa.create(peers, upcalls.narrow())));
  }

  /** A protocol typed by its own commands, hosted in a group of {@code Object} messages. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static <C> SimProtocol<Object> untyped(SimProtocol<C> typed) {
    return (peers, env, upcalls) -> typed.create((Peers) peers, env, upcalls).unsafeCast();
  }
}
