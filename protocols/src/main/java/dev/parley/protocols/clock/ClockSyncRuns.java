package dev.parley.protocols.clock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Synchronisation runs across a group, each asked at any node and answered there with every node's
 * clock error: a layer above {@link CristianSync} (the group's first node the time server) or
 * {@link BerkeleySync} (the first node the master), in the same actor, that starts a round over the
 * whole group and collects what each node's clock became.
 *
 * <p>Model: the algorithm's (fair-loss links, unknown delays; each node reads only its own {@link
 * DriftingClock}, set wrong at start: an offset within ±{@code initialOffsetMax} and a drift within
 * ±{@code initialDriftMaxPpm} drawn from the node's seed, or as a {@link Skew} says). A node's error
 * is its reading minus the host's clock ({@link NodeEnv#now()}: virtual time in the simulation, the
 * machine's clock on a cluster).
 *
 * <p>Algorithm: {@link SyncAll} at the initiator sends {@link Begin} to the reference (the first
 * node), which announces it to every other node before it polls them. Links reorder, so a Berkeley
 * adjustment may overtake the announcement of its sync: a node keeps an adjustment that came while
 * it had no sync to report it to and reports it when the announcement arrives (with periodic rounds
 * that is the last one before the sync's own). Each client then asks the server (Cristian), or the
 * master starts a round (Berkeley).
 * Each node reports its {@link NodeResult} (error, estimate or adjustment, and bound) to the
 * initiator when the algorithm tells it its estimate or adjustment; the Berkeley master also sends
 * the {@link RoundBound} only it can compute. The initiator answers {@link SyncReport} once all
 * reported (and for Berkeley the bound arrived), or after {@code reportWait} with what it has.
 *
 * <p>Guarantees: every sync is answered at its initiator; the spread of the reported errors is
 * within the bound the algorithm promises (Cristian: the two largest δ/2; Berkeley: the two largest
 * half round trips). This layer's own messages are sent once: a node whose announcement or report
 * was lost (or that is down) is named in {@code unreported} (and a node the master's round went
 * without in Berkeley's {@code roundMissed}), and a lost master's bound leaves the bound null, so a
 * report never claims more than it saw. Cost: the algorithm's messages, plus at most 2(n-1)
 * announcements, n-1 reports and the master's bound.
 */
public final class ClockSyncRuns extends BehaviorInterceptor<Object, Object> {

  /** Downcalls, wire messages between the nodes, the timer, and the algorithm's upcalls. */
  public sealed interface Command extends WireMessage
      permits SyncAll, Skew, Begin, NodeResult, RoundBound, ReportDue, FromAlgorithm {}

  /** Downcall: run a round over the whole group and report it as {@link SyncReport} {@code id}. */
  public record SyncAll(long id) implements Command {}

  /** Downcall: this node's clock reads {@code offsetNanos} ahead of the host's from now, drifting. */
  public record Skew(long offsetNanos, double driftPpm) implements Command {}

  /** The initiator of sync {@code id} asks every node to take part and report. */
  public record Begin(long id, NodeId initiator) implements Command {}

  /**
   * A node's part of sync {@code id}: its clock error (reading minus the host's clock) in ms, its
   * estimate of the reference's offset (Cristian) or the adjustment it applied (Berkeley), and the
   * error bound of that estimate, in ms (null where it has none).
   */
  public record NodeResult(long id, NodeId node, double errorMs, Double estimateMs, Double boundMs)
      implements Command {}

  /**
   * The master's bound on the spread after Berkeley round {@code id}, and the nodes the round did
   * not reach, for its initiator.
   */
  public record RoundBound(long id, double boundMs, List<NodeId> missing) implements Command {}

  /** Timer at the initiator: stop waiting for reports. */
  enum ReportDue implements Command {
    INSTANCE
  }

  /** An upcall of this node's algorithm, through its message adapter. */
  record FromAlgorithm(Object upcall) implements Command {}

  /**
   * Upcall at the node a sync was asked of: each node's result, the spread of the clock errors of
   * the nodes that reported (largest minus smallest, ms) and the bound on it the algorithm promises
   * (ms; for Cristian the two largest client bounds δ/2 added, for Berkeley the two largest half
   * round trips; null if the master's bound was lost), the nodes whose result did not arrive within
   * {@code reportWait} (lost on the way, or down), and for Berkeley the nodes the master's round
   * went on without (null if that word was lost).
   */
  public record SyncReport(
      long id, String algorithm, Map<NodeId, NodeResult> nodes, double spreadMs, Double boundMs,
      List<NodeId> unreported, List<NodeId> roundMissed) implements WireMessage {}

  /**
   * @param reportWait how long a sync waits for every node's result
   * @param initialOffsetMax the largest clock offset a node starts with (either way)
   * @param initialDriftMaxPpm the largest drift a node's clock starts with (either way), in ppm
   * @param algorithm the algorithm's settings: {@link CristianSync.Settings} or {@link BerkeleySync.Settings}
   */
  public record Settings(Duration reportWait, Duration initialOffsetMax, double initialDriftMaxPpm, Object algorithm) {
    public Settings {
      Objects.requireNonNull(reportWait, "reportWait");
      Objects.requireNonNull(initialOffsetMax, "initialOffsetMax");
      if (!(algorithm instanceof CristianSync.Settings || algorithm instanceof BerkeleySync.Settings)) {
        throw new IllegalArgumentException("the algorithm's settings are CristianSync.Settings or "
            + "BerkeleySync.Settings, got " + algorithm);
      }
      if (reportWait.isNegative() || initialOffsetMax.isNegative() || initialDriftMaxPpm < 0) {
        throw new IllegalArgumentException("reportWait, initialOffsetMax and initialDriftMaxPpm are at least zero, got "
            + reportWait + ", " + initialOffsetMax + ", " + initialDriftMaxPpm);
      }
    }
  }

  /** The algorithm with this layer above it, one actor per node. */
  public static Behavior<Object> create(
      Peers<Object> peers, Settings settings, NodeEnv env, ActorRef<Object> upcalls) {
    NodeId reference = peers.members().first();
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      DriftingClock clock = new DriftingClock(
          Math.round((env.random().nextDouble() * 2 - 1) * settings.initialOffsetMax().toNanos()),
          (env.random().nextDouble() * 2 - 1) * settings.initialDriftMaxPpm(), DriftingClock.nanos(env.now()));
      ActorRef<Object> said = ctx.messageAdapter(Object.class, FromAlgorithm::new);
      Behavior<?> algorithm = settings.algorithm() instanceof BerkeleySync.Settings b
          ? BerkeleySync.create(reference, clock, b, cast(peers), env, said)
          : CristianSync.create(reference, clock, (CristianSync.Settings) settings.algorithm(), cast(peers), env, said);
      ActorRef<Object> self = ctx.getSelf();
      return Behaviors.intercept(() -> new ClockSyncRuns(self, timers, settings, peers, env, upcalls, clock),
          algorithm.unsafeCast());
    }));
  }

  @SuppressWarnings("unchecked")
  private static <C> Peers<C> cast(Peers<Object> peers) {
    return (Peers<C>) (Peers<?>) peers;
  }

  private final ActorRef<Object> self;
  private final TimerScheduler<Object> timers;
  private final boolean berkeley;
  private final Settings settings;
  private final Peers<Object> peers;
  private final NodeEnv env;
  private final ActorRef<Object> upcalls;
  private final NodeId reference;
  private DriftingClock clock; // the algorithm's clock, mirrored from its upcalls
  private long current = -1; // the sync this node takes part in
  private boolean adjustmentReported; // whether this node reported an adjustment for it
  private BerkeleySync.Adjusted early; // an adjustment that came before its sync's announcement
  private NodeId initiator;
  private long collecting = -1; // the sync this node initiated and collects
  private final Map<NodeId, NodeResult> results = new TreeMap<>();
  private final Map<NodeId, Long> roundTrips = new TreeMap<>();
  private Double masterBound;
  private List<NodeId> roundMissed;

  private ClockSyncRuns(ActorRef<Object> self, TimerScheduler<Object> timers, Settings settings, Peers<Object> peers,
      NodeEnv env, ActorRef<Object> upcalls, DriftingClock clock) {
    super(Object.class);
    this.self = self;
    this.timers = timers;
    this.settings = settings;
    this.berkeley = settings.algorithm() instanceof BerkeleySync.Settings;
    this.peers = peers;
    this.env = env;
    this.upcalls = upcalls;
    this.reference = peers.members().first();
    this.clock = clock;
  }

  /** This layer's messages stop here; the rest (the algorithm's own, status queries) go on to it. */
  @Override
  public Behavior<Object> aroundReceive(TypedActorContext<Object> ctx, Object message, ReceiveTarget<Object> target) {
    if (!(message instanceof Command command)) {
      return target.apply(ctx, message);
    }
    if (command instanceof SyncAll s) {
      onSyncAll(s);
    } else if (command instanceof Skew s) {
      onSkew(s);
    } else if (command instanceof Begin b) {
      onBegin(b);
    } else if (command instanceof NodeResult r) {
      onResult(r);
    } else if (command instanceof RoundBound b) {
      onRoundBound(b);
    } else if (command instanceof FromAlgorithm f) {
      onAlgorithm(f.upcall());
    } else {
      report(); // ReportDue
    }
    return Behaviors.same();
  }

  private double errorMs() {
    return clock.errorAt(DriftingClock.nanos(env.now())) / 1e6;
  }

  private void onSkew(Skew s) {
    clock = new DriftingClock(s.offsetNanos(), s.driftPpm(), DriftingClock.nanos(env.now()));
    self.tell(berkeley ? new BerkeleySync.SetClock(clock) : new CristianSync.SetClock(clock));
  }

  private void onSyncAll(SyncAll s) {
    collecting = s.id();
    results.clear();
    roundTrips.clear();
    masterBound = null;
    roundMissed = null;
    timers.startSingleTimer(ReportDue.INSTANCE, settings.reportWait());
    Begin begin = new Begin(s.id(), peers.self());
    if (peers.self().equals(reference)) {
      peers.tellOthers(begin);
    } else {
      peers.tell(reference, begin); // the reference announces it to the rest (see onBegin)
    }
    onBegin(begin);
  }

  /** A sync begins: the reference announces it to every other node before it polls them. */
  private void onBegin(Begin b) {
    if (peers.self().equals(reference) && !b.initiator().equals(peers.self())) {
      peers.others().stream().filter(n -> !n.equals(b.initiator())).forEach(n -> peers.tell(n, b));
    }
    current = b.id();
    initiator = b.initiator();
    adjustmentReported = false;
    if (early != null) {
      reportAdjustment(early);
      early = null;
    }
    if (!peers.self().equals(reference)) {
      if (!berkeley) {
        self.tell(new CristianSync.Sync());
      }
    } else if (berkeley) {
      self.tell(new BerkeleySync.StartRound());
    } else {
      send(new NodeResult(current, peers.self(), errorMs(), null, null)); // the time server is the reference
    }
  }

  private void send(NodeResult r) {
    if (initiator.equals(peers.self())) {
      onResult(r);
    } else {
      peers.tell(initiator, r);
    }
  }

  private void onAlgorithm(Object u) {
    upcalls.tell(u);
    if (u instanceof CristianSync.OffsetEstimated e) {
      if (e.applied()) {
        clock = clock.adjustedBy(e.offset());
      }
      if (current >= 0) {
        send(new NodeResult(current, peers.self(), errorMs(), e.offset() / 1e6, e.bound() / 1e6));
      }
    } else if (u instanceof BerkeleySync.Adjusted a) {
      clock = clock.adjustedBy(a.adjustment());
      if (current >= 0 && !adjustmentReported) {
        reportAdjustment(a);
      } else {
        early = a;
      }
    } else if (u instanceof BerkeleySync.RoundCompleted r && current >= 0) {
      roundTrips.putAll(r.roundTrips());
      if (!initiator.equals(peers.self())) {
        // the bound needs the round trips only the master measured: it sends the bound itself
        peers.tell(initiator, new RoundBound(current, bound(r.roundTrips()) / 1e6, r.missing()));
      } else {
        roundMissed = r.missing();
      }
    }
  }

  private void reportAdjustment(BerkeleySync.Adjusted a) {
    adjustmentReported = true;
    send(new NodeResult(current, peers.self(), errorMs(), a.adjustment() / 1e6, null));
  }

  /** The sum of the two largest half round trips (ns). */
  private static long bound(Map<NodeId, Long> roundTrips) {
    List<Long> halves = new ArrayList<>(roundTrips.values().stream().map(t -> t / 2).toList());
    halves.sort(null);
    int n = halves.size();
    return (n > 0 ? halves.get(n - 1) : 0) + (n > 1 ? halves.get(n - 2) : 0);
  }

  private void onRoundBound(RoundBound b) {
    if (b.id() == collecting) {
      masterBound = b.boundMs();
      roundMissed = b.missing();
      reportIfComplete();
    }
  }

  private void onResult(NodeResult r) {
    if (r.id() == collecting) {
      results.put(r.node(), r);
    }
    reportIfComplete();
  }

  private void reportIfComplete() {
    if (collecting >= 0 && results.size() == peers.size()
        && (!berkeley || masterBound != null || !roundTrips.isEmpty())) {
      report();
    }
  }

  private void report() {
    if (collecting < 0) {
      return;
    }
    timers.cancel(ReportDue.INSTANCE);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (NodeResult r : results.values()) {
      min = Math.min(min, r.errorMs());
      max = Math.max(max, r.errorMs());
    }
    Double bound;
    if (berkeley) {
      bound = !roundTrips.isEmpty() ? Double.valueOf(bound(roundTrips) / 1e6) : masterBound;
    } else {
      List<Double> bounds = new ArrayList<>(results.values().stream()
          .filter(r -> r.boundMs() != null).map(NodeResult::boundMs).toList());
      bounds.sort(null);
      int n = bounds.size();
      bound = (n > 0 ? bounds.get(n - 1) : 0.0) + (n > 1 ? bounds.get(n - 2) : 0.0);
    }
    List<NodeId> unreported = new ArrayList<>(peers.members());
    unreported.removeAll(results.keySet());
    upcalls.tell(new SyncReport(collecting, berkeley ? "berkeley" : "cristian", Map.copyOf(results),
        results.isEmpty() ? 0 : max - min, bound, unreported, berkeley ? roundMissed : null));
    collecting = -1;
  }
}
