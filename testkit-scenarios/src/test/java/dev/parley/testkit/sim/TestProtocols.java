package dev.parley.testkit.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.link.Corruptible;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/**
 * Small protocols the simulation tests drive: a token ring for throughput, a heartbeat for timers,
 * a relay for the network's faults.
 */
final class TestProtocols {

  private TestProtocols() {}

  /** A token passed to the ring successor until its hops run out. */
  record Token(int id, int hops) {}

  /** The upcall of a token that ran out of hops. */
  record TokenDone(int id) {}

  static Behavior<Token> tokenRing(Peers<Token> peers, ActorRef<Object> upcalls) {
    return Behaviors.receive(Token.class)
        .onMessage(
            Token.class,
            t -> {
              if (t.hops() == 0) {
                upcalls.tell(new TokenDone(t.id()));
              } else {
                peers.tell(peers.successor(), new Token(t.id(), t.hops() - 1));
              }
              return Behaviors.same();
            })
        .build();
  }

  sealed interface Beat permits Tick, Stop {}

  record Tick() implements Beat {}

  /** Downcall: stop beating. */
  record Stop() implements Beat {}

  /** The upcall of one beat: the node's clock read {@code at}. */
  record Beaten(Instant at) {}

  /** Beats every {@code interval} from the start (a periodic timer), reading the node's clock. */
  static Behavior<Beat> heartbeat(NodeEnv env, ActorRef<Object> upcalls, Duration interval) {
    return Behaviors.withTimers(
        timers -> {
          timers.startTimerAtFixedRate("beat", new Tick(), interval);
          return Behaviors.receive(Beat.class)
              .onMessage(
                  Tick.class,
                  t -> {
                    upcalls.tell(new Beaten(env.now()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Stop.class,
                  s -> {
                    timers.cancel("beat");
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** Downcall of the relay: send {@code message} to {@code to}. */
  record Forward(NodeId to, Object message) {}

  /** A frame of text a link can garble (it gains a '?'). */
  record Frame(String body) implements Corruptible {
    @Override
    public Object corrupted(Random random) {
      return new Frame(body + "?");
    }
  }

  /** Sends what it is told to forward; reports everything else it receives as an upcall. */
  static Behavior<Object> relay(Peers<Object> peers, ActorRef<Object> upcalls) {
    return Behaviors.receive(Object.class)
        .onMessage(
            Forward.class,
            f -> {
              peers.tell(f.to(), f.message());
              return Behaviors.same();
            })
        .onAnyMessage(
            m -> {
              upcalls.tell(m);
              return Behaviors.same();
            })
        .build();
  }
}
