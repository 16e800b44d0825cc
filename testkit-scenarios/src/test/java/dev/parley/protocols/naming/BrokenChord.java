package dev.parley.protocols.naming;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;

/** The deliberately broken Chord node the naming specs use as a negative control. */
public final class BrokenChord {

  private BrokenChord() {}

  /** A node that never fixes its fingers: routing follows successors, O(N) hops. */
  public static Behavior<Chord.Command> withoutFingerFixing(Peers<Chord.Command> peers, NodeEnv env,
      Chord.Settings settings, ActorRef<Chord.Upcall> listener) {
    return Chord.create(peers, env, settings, listener, NoFingerFixing::new);
  }

  /** The node whose one method differs: it never starts the fix_fingers round. */
  private static final class NoFingerFixing extends Chord {
    NoFingerFixing(ActorContext<Command> context, Peers<Command> peers, NodeEnv env, Settings settings,
        ActorRef<Upcall> listener, TimerScheduler<Command> timers) {
      super(context, peers, env, settings, listener, timers);
    }

    @Override
    void startFingerFixing() {}
  }
}
