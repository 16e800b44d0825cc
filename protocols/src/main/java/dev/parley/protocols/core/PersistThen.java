package dev.parley.protocols.core;

import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EffectFactories;
import java.util.List;
import java.util.function.Consumer;

/**
 * Persist, then act: the rule of every crash-recovery protocol here (a Raft vote, a primary's
 * promise), that nothing is sent, answered or started on the strength of a state that is not on
 * disk yet. A handler collects the events its message calls for and gives what to do afterwards;
 * with no events it acts at once, with the state as it is.
 */
public final class PersistThen {

  private PersistThen() {}

  /**
   * The effect persisting {@code events} (none: nothing to persist) and then running {@code act} with
   * the state after them.
   */
  public static <E, S> Effect<E, S> persistThen(EffectFactories<E, S> effects, List<E> events, Consumer<S> act) {
    return (events.isEmpty() ? effects.none() : effects.persist(events)).thenRun(act::accept);
  }
}
