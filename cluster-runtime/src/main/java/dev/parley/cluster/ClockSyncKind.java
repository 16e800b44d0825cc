package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.clock.BerkeleySync;
import dev.parley.protocols.clock.CristianSync;
import dev.parley.protocols.clock.DriftingClock;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Clock synchronisation among the cluster's nodes: {@link CristianSync} (the group's first node is
 * the time server) or {@link BerkeleySync} (the first node is the master). Each node's clock is a
 * {@link DriftingClock} over the host's clock, set wrong at start (an offset within ±100 ms and a
 * drift within ±50 ppm drawn from the node's seed), or as operation {@code skew} {@code {"offsetMs":
 * 120, "driftPpm": 30}} at a node sets it. Operation {@code sync}, at any node, runs a round over
 * the whole group (every client asks the server, or the master polls and adjusts everyone) and
 * answers, as upcall {@link SyncReport}, each node's clock error against the host's clock after
 * it, its estimate and error bound, and the spread (largest minus smallest error) with the bound
 * the algorithm promises for it. The error is measured against the host's clock, which all nodes
 * share on one machine (across machines it is only as good as their own NTP). Settings (its
 * configuration section): how long a sync waits for the reports, the bounds of the clocks' initial
 * error, and the algorithm's own (Cristian's samples and retry; Berkeley's outlier threshold,
 * period, retry and round timeout).
 */
public record ClockSyncKind(String name, String description, boolean berkeley) implements ProtocolKind {

  /**
   * @param reportWait how long a {@code sync} waits for every node's result
   * @param initialOffsetMax the largest clock offset a node starts with (either way)
   * @param initialDriftMaxPpm the largest drift a node's clock starts with (either way), in ppm
   * @param algorithm the algorithm's settings: {@link CristianSync.Settings} or {@link BerkeleySync.Settings}
   */
  record Settings(Duration reportWait, Duration initialOffsetMax, double initialDriftMaxPpm, Object algorithm) {}

  private Settings settings(KindConfig c) {
    Object algorithm = berkeley
        ? new BerkeleySync.Settings(c.duration("outlier-threshold"), c.duration("period"), c.duration("retry"),
            c.duration("round-timeout"))
        : new CristianSync.Settings(c.integer("samples"), true, c.duration("retry"));
    return new Settings(c.duration("report-wait"), c.duration("initial-offset-max"), c.decimal("initial-drift-max-ppm"),
        algorithm);
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Settings settings = settings(context.config());
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new ClockNode(ctx, timers, settings, context.peers(), context.env(), context.upcalls())));
  }

  /** The body of {@code skew}: this node's clock error, {@code offsetMs} and an optional {@code driftPpm}. */
  public record SkewBy(@JsonProperty(required = true) Double offsetMs, Double driftPpm) {
    public SkewBy {
      if (offsetMs != null && !(Math.abs(offsetMs) <= 86_400_000)) {
        throw new IllegalArgumentException("\"offsetMs\" must be a number from -86400000 to 86400000, got " + offsetMs);
      }
      if (driftPpm != null && !(Math.abs(driftPpm) <= 999_999)) {
        throw new IllegalArgumentException("\"driftPpm\" must be a number from -999999 to 999999, got " + driftPpm);
      }
      driftPpm = driftPpm == null ? 0 : driftPpm;
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(
        Operation.of("sync", Operation.Empty.class, (caller, none) -> {
          long id = System.nanoTime();
          return Invocation.answeredBy(new SyncAll(id), SyncReport.class, SyncReport::id, id);
        }),
        Operation.of("skew", SkewBy.class, (caller, s) ->
            Invocation.accepted(new Skew(Math.round(s.offsetMs() * 1e6), s.driftPpm()))));
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastSync", upcalls.latest(instance, SyncReport.class));
    out.put("lastEstimate", upcalls.latest(instance, CristianSync.OffsetEstimated.class));
    out.put("lastAdjusted", upcalls.latest(instance, BerkeleySync.Adjusted.class));
    out.put("lastRound", upcalls.latest(instance, BerkeleySync.RoundCompleted.class));
    out.values().removeIf(v -> v == null);
    return out;
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return berkeley ? new BerkeleySync.GetStatus(replyTo.narrow()) : new CristianSync.GetStatus(replyTo.narrow());
  }

  /** Downcall: run a round over the whole group and report it as {@link SyncReport} {@code id}. */
  record SyncAll(long id) implements WireMessage {}

  /** Downcall: this node's clock reads {@code offsetNanos} ahead of the host's from now, drifting. */
  record Skew(long offsetNanos, double driftPpm) implements WireMessage {}

  /** The initiator of sync {@code id} asks every node to take part and report. */
  public record Begin(long id, NodeId initiator) implements WireMessage {}

  /**
   * A node's part of sync {@code id}: its clock error (reading minus the host's clock) in ms, its
   * estimate of the reference's offset (Cristian) or the adjustment it applied (Berkeley), and the
   * error bound of that estimate, in ms (null where it has none).
   */
  public record NodeResult(long id, NodeId node, double errorMs, Double estimateMs, Double boundMs)
      implements WireMessage {}

  /**
   * The master's bound on the spread after Berkeley round {@code id}, and the nodes the round did
   * not reach, for its initiator.
   */
  public record RoundBound(long id, double boundMs, List<NodeId> missing) implements WireMessage {}

  /**
   * Upcall at the node a {@code sync} was asked of: each node's result, the spread of the clock
   * errors of the nodes that reported (largest minus smallest, ms) and the bound on it the algorithm
   * promises (ms; for Cristian the two largest client bounds δ/2 added, for Berkeley the two largest
   * half round trips; null if the master's bound was lost), the nodes whose result did not arrive
   * within the configured {@code report-wait} (lost on the way, or down), and for Berkeley the nodes the master's
   * round went on without (null if that word was lost).
   */
  public record SyncReport(
      long id, String algorithm, Map<NodeId, NodeResult> nodes, double spreadMs, Double boundMs,
      List<NodeId> unreported, List<NodeId> roundMissed) implements WireMessage {}

  /** A child's upcall, wrapped so that it is not mistaken for a wire message of the same type. */
  private record FromChild(Object upcall) {}

  private enum ReportDue {
    INSTANCE
  }

  /** One node's part: hosts the algorithm, mirrors its clock, and runs {@code sync} rounds. */
  static final class ClockNode extends AbstractBehavior<Object> {

    private final TimerScheduler<Object> timers;
    private final boolean berkeley;
    private final Settings settings;
    private final Peers<Object> peers;
    private final NodeEnv env;
    private final ActorRef<Object> upcalls;
    private final NodeId reference;
    private final ActorRef<Object> child;
    private DriftingClock clock; // the child's clock, mirrored from its upcalls
    private long current = -1; // the sync this node takes part in
    private NodeId initiator;
    private long collecting = -1; // the sync this node initiated and collects
    private final Map<NodeId, NodeResult> results = new TreeMap<>();
    private final Map<NodeId, Long> roundTrips = new TreeMap<>();
    private Double masterBound;
    private List<NodeId> roundMissed;

    ClockNode(ActorContext<Object> ctx, TimerScheduler<Object> timers, Settings settings, Peers<Object> peers,
        NodeEnv env, ActorRef<Object> upcalls) {
      super(ctx);
      this.timers = timers;
      this.settings = settings;
      this.berkeley = settings.algorithm() instanceof BerkeleySync.Settings;
      this.peers = peers;
      this.env = env;
      this.upcalls = upcalls;
      this.reference = peers.members().first();
      long now = DriftingClock.nanos(env.now());
      this.clock = new DriftingClock(
          Math.round((env.random().nextDouble() * 2 - 1) * settings.initialOffsetMax().toNanos()),
          (env.random().nextDouble() * 2 - 1) * settings.initialDriftMaxPpm(), now);
      ActorRef<Object> self = ctx.getSelf();
      ActorRef<Object> listener = ctx.spawn(Behaviors.receive(Object.class).onAnyMessage(u -> {
        self.tell(new FromChild(u));
        return Behaviors.same();
      }).build(), "upcalls");
      this.child = settings.algorithm() instanceof BerkeleySync.Settings b
          ? ctx.spawn(BerkeleySync.create(reference, clock, b, cast(peers), env, listener).unsafeCast(), "berkeley")
          : ctx.spawn(CristianSync.create(reference, clock, (CristianSync.Settings) settings.algorithm(), cast(peers),
              env, listener).unsafeCast(), "cristian");
    }

    @SuppressWarnings("unchecked")
    private static <C> Peers<C> cast(Peers<Object> peers) {
      return (Peers<C>) (Peers<?>) peers;
    }

    private double errorMs() {
      long now = DriftingClock.nanos(env.now());
      return clock.errorAt(now) / 1e6;
    }

    @Override
    public Receive<Object> createReceive() {
      return newReceiveBuilder()
          .onMessage(SyncAll.class, this::onSyncAll)
          .onMessage(Skew.class, this::onSkew)
          .onMessage(Begin.class, this::onBegin)
          .onMessage(NodeResult.class, this::onResult)
          .onMessage(RoundBound.class, this::onRoundBound)
          .onMessage(FromChild.class, this::onChild)
          .onMessageEquals(ReportDue.INSTANCE, this::report)
          .onAnyMessage(m -> {
            child.tell(m); // the algorithm's own messages and status queries
            return this;
          })
          .build();
    }

    private Behavior<Object> onSkew(Skew s) {
      clock = new DriftingClock(s.offsetNanos(), s.driftPpm(), DriftingClock.nanos(env.now()));
      child.tell(berkeley ? new BerkeleySync.SetClock(clock) : new CristianSync.SetClock(clock));
      return this;
    }

    private Behavior<Object> onSyncAll(SyncAll s) {
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
      return onBegin(begin);
    }

    /**
     * A sync begins. The reference node announces it to every other node before it polls them, so
     * on each link from the reference the announcement comes first: no node takes an adjustment (or
     * a time server's answer) for a sync it has not heard of, which it could not report.
     */
    private Behavior<Object> onBegin(Begin b) {
      if (peers.self().equals(reference) && !b.initiator().equals(peers.self())) {
        peers.others().stream().filter(n -> !n.equals(b.initiator())).forEach(n -> peers.tell(n, b));
      }
      current = b.id();
      initiator = b.initiator();
      if (!peers.self().equals(reference)) {
        if (!berkeley) {
          child.tell(new CristianSync.Sync());
        }
      } else if (berkeley) {
        child.tell(new BerkeleySync.StartRound());
      } else {
        send(new NodeResult(current, peers.self(), errorMs(), null, null)); // the time server is the reference
      }
      return this;
    }

    private void send(NodeResult r) {
      if (initiator.equals(peers.self())) {
        onResult(r);
      } else {
        peers.tell(initiator, r);
      }
    }

    private Behavior<Object> onChild(FromChild c) {
      Object u = c.upcall();
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
        if (current >= 0) {
          send(new NodeResult(current, peers.self(), errorMs(), a.adjustment() / 1e6, null));
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
      return this;
    }

    /** The sum of the two largest half round trips (ns). */
    private static long bound(Map<NodeId, Long> roundTrips) {
      List<Long> halves = new ArrayList<>(roundTrips.values().stream().map(t -> t / 2).toList());
      halves.sort(null);
      int n = halves.size();
      return (n > 0 ? halves.get(n - 1) : 0) + (n > 1 ? halves.get(n - 2) : 0);
    }

    private Behavior<Object> onRoundBound(RoundBound b) {
      if (b.id() == collecting) {
        masterBound = b.boundMs();
        roundMissed = b.missing();
        return reportIfComplete();
      }
      return this;
    }

    private Behavior<Object> onResult(NodeResult r) {
      if (r.id() == collecting) {
        results.put(r.node(), r);
      }
      return reportIfComplete();
    }

    private Behavior<Object> reportIfComplete() {
      if (collecting >= 0 && results.size() == peers.size()
          && (!berkeley || masterBound != null || !roundTrips.isEmpty())) {
        return report();
      }
      return this;
    }

    private Behavior<Object> report() {
      if (collecting < 0) {
        return this;
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
      return this;
    }
  }
}
