package dev.parley.testkit.sim;

import akka.actor.testkit.typed.javadsl.BehaviorTestKit;
import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands out the {@link BehaviorTestKit}s that host nodes, on Akka's public API only.
 *
 * <p>Akka's public {@code BehaviorTestKit.create} builds a stub actor system for every kit, and
 * that validates Akka's whole configuration: about half a millisecond. A seeded run pays it once per
 * node start, which is fine; an exploration replays every state it visits from scratch, and would
 * spend nearly all its time there. So a kit outlives the incarnations it hosts: it runs an {@code
 * Incarnations} interceptor whose nested behavior is the node's current incarnation, and {@link
 * #releaseAll} retires every kit handed out (its timers cancelled, its inbox, effects and log
 * cleared) so that the next {@link #start} gives it a fresh incarnation instead of building a kit.
 *
 * <p>Kits are kept per node name, in the order they were first handed out: after {@link
 * #releaseAll}, a node's k-th start gets the same kit as in every earlier replay, so the k-th
 * incarnation of a node has the same actor reference in every replay of an exploration, and its
 * messages hash alike. Without {@code releaseAll} (a seeded {@link Simulation}) every start gets a
 * kit of its own, as an actor system gives a restarted actor a new reference. The uid in that
 * reference is drawn at random by Akka's testkit, so it differs between JVMs: traces print
 * references without it ({@link Trace}), and protocols key their maps by {@link
 * dev.parley.protocols.core.NodeId}, never by a node's own reference.
 */
final class KitFactory {

  private static final class Pool {
    final List<BehaviorTestKit<Object>> kits = new ArrayList<>();
    int handedOut;
  }

  private final Map<String, Pool> pools = new HashMap<>();

  /**
   * A kit hosting a new incarnation of node {@code name} running {@code behavior}, started; what it
   * did when it started waits in the kit (effects, inbox, log). Throws what starting it threw.
   */
  @SuppressWarnings("unchecked")
  <T> BehaviorTestKit<T> start(Behavior<T> behavior, String name) {
    Pool pool = pools.computeIfAbsent(name, n -> new Pool());
    int k = pool.handedOut++;
    if (k == pool.kits.size()) {
      pool.kits.add(BehaviorTestKit.create(Incarnations.host(), name));
    } else if (!pool.kits.get(k).isAlive()) {
      pool.kits.set(k, BehaviorTestKit.create(Incarnations.host(), name));
    }
    BehaviorTestKit<Object> kit = pool.kits.get(k);
    kit.run(new Incarnations.Become(behavior));
    return (BehaviorTestKit<T>) (BehaviorTestKit<?>) kit;
  }

  /** Retires every kit handed out; the next starts reuse them, in the order they were made. */
  void releaseAll() {
    for (Pool pool : pools.values()) {
      for (int k = 0; k < pool.handedOut; k++) {
        BehaviorTestKit<Object> kit = pool.kits.get(k);
        if (kit.isAlive()) {
          retire(kit);
        }
      }
      pool.handedOut = 0;
    }
  }

  private static void retire(BehaviorTestKit<Object> kit) {
    kit.run(Incarnations.Retire.RETIRE);
    kit.getAllEffects();
    kit.selfInbox().getAllReceived();
    kit.clearLog();
  }

  /**
   * The behavior a kit runs: the node's current incarnation nested in an interceptor that swaps in
   * a new one ({@code Become}) or ends the current one ({@code Retire}: timers cancelled, then the
   * empty behavior). Every other message goes to the incarnation.
   */
  private static final class Incarnations extends BehaviorInterceptor<Object, Object> {

    record Become(Behavior<?> incarnation) {}

    enum Retire {
      RETIRE
    }

    private final TimerScheduler<Object> timers;

    private Incarnations(TimerScheduler<Object> timers) {
      super(Object.class);
      this.timers = timers;
    }

    static Behavior<Object> host() {
      return Behaviors.withTimers(
          timers -> Behaviors.intercept(() -> new Incarnations(timers), Behaviors.empty()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Behavior<Object> aroundReceive(
        TypedActorContext<Object> context, Object message, ReceiveTarget<Object> target) {
      if (message instanceof Become become) {
        return (Behavior<Object>) become.incarnation();
      }
      if (message == Retire.RETIRE) {
        timers.cancelAll();
        return Behaviors.empty();
      }
      return target.apply(context, message);
    }
  }
}
