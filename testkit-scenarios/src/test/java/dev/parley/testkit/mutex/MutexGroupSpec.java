package dev.parley.testkit.mutex;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.LinkStack;
import dev.parley.protocols.mutex.DecentralizedMutex;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LamportMutex;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.protocols.mutex.Maekawa;
import dev.parley.protocols.mutex.MutexProtocol;
import dev.parley.protocols.mutex.MutexUpcall;
import dev.parley.protocols.mutex.Released;
import dev.parley.protocols.mutex.RicartAgrawala;
import dev.parley.protocols.mutex.TokenRing;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every algorithm end to end in a group of real actors over fault-injecting links, with the link
 * layers its model asks for: four contenders, three rounds each, every stay in the critical section
 * checked against the others, every request granted.
 */
class MutexGroupSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  static final int ROUNDS = 3;
  static final FaultPlan LOSSY =
      FaultPlan.NONE.withDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(3))).withReorder(0.2).withDrop(0.1);

  /** How one node's protocol is made, given the listener its upcalls go to. */
  @FunctionalInterface
  interface Protocol {
    Behavior<?> create(Peers<Object> peers, NodeEnv env, ActorRef<MutexUpcall> listener);
  }

  record Case(String name, LinkStack links, FaultPlan faults, List<NodeId> nodes, List<NodeId> contenders,
      Duration think, Protocol protocol, MutexProtocol<?> mutex) {
    @Override
    public String toString() {
      return name;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <C> Peers<C> typed(Peers<Object> peers) {
    return (Peers) peers;
  }

  static Stream<Case> cases() {
    List<NodeId> four = Algorithms.clients(4);
    List<NodeId> withServer = new ArrayList<>(Algorithms.clients(3));
    withServer.add(Algorithms.SERVER);
    Duration ms = Duration.ofMillis(1);
    return Stream.of(
        new Case("lock server over lossy links", LinkStack.faulty(), LOSSY, withServer, Algorithms.clients(3), ms,
            (peers, env, listener) -> LockServer.inGroup(Algorithms.SERVER, "group-spec",
                new LockServer.Settings(ms.multipliedBy(500), ms.multipliedBy(5)), // a lost release costs a lease
                new LockClient.Settings(ms.multipliedBy(50), Duration.ZERO, ms.multipliedBy(10)), peers, env,
                listener),
            LockClient.MUTEX),
        new Case("Ricart-Agrawala over reliable links", LinkStack.faulty().reliable(), LOSSY, four, four, ms,
            (peers, env, listener) -> RicartAgrawala.create(typed(peers), listener), RicartAgrawala.MUTEX),
        new Case("Lamport over reliable FIFO links", LinkStack.faulty().reliable().fifo(), LOSSY, four, four, ms,
            (peers, env, listener) -> LamportMutex.create(typed(peers), listener), LamportMutex.MUTEX),
        new Case("Maekawa over reliable FIFO links", LinkStack.faulty().reliable().fifo(), LOSSY, four, four, ms,
            (peers, env, listener) -> Maekawa.create(typed(peers), listener), Maekawa.MUTEX),
        new Case("token ring over lossy links", LinkStack.faulty(), LOSSY, four, four, ms,
            (peers, env, listener) -> TokenRing.create(typed(peers), listener,
                new TokenRing.Settings(ms, ms.multipliedBy(200))), TokenRing.MUTEX),
        new Case("majority voting over lossy links", LinkStack.faulty(), FaultPlan.NONE.withDrop(0.05), four, four,
            ms.multipliedBy(30),
            (peers, env, listener) -> DecentralizedMutex.create(typed(peers), env, listener,
                new DecentralizedMutex.Settings(ms.multipliedBy(150), ms.multipliedBy(10), ms.multipliedBy(50),
                    ms.multipliedBy(10), ms.multipliedBy(200), true)), DecentralizedMutex.MUTEX));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyContenderEntersAloneAndEveryRequestIsGranted(Case c) {
    Contender.CriticalSection section = new Contender.CriticalSection();
    LocalGroup<Object> group = parley.group(c.nodes()).links(c.links()).faults(c.faults())
        .start((peers, env, upcalls) -> Behaviors.setup(ctx -> {
          ActorRef<MutexUpcall> listener = upcalls.narrow();
          if (c.contenders().contains(peers.self())) {
            listener = ctx.spawn(Contender.create(peers.self(), ctx.getSelf(), c.mutex(), upcalls, section, ROUNDS,
                Duration.ofMillis(2), c.think()), "contender");
          }
          return c.protocol().create(peers, env, listener).unsafeCast();
        }));

    group.await(Duration.ofSeconds(20), () -> {
      for (NodeId node : c.contenders()) {
        assertThat(group.upcalls().of(node, Released.class)).as("releases of " + node).hasSize(ROUNDS);
      }
    });
    assertThat(section.overlaps()).isEmpty();
    for (NodeId node : c.contenders()) {
      assertThat(group.upcalls().of(node, Granted.class)).hasSize(ROUNDS);
    }
  }
}
