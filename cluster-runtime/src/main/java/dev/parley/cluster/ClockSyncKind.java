package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.clock.BerkeleySync;
import dev.parley.protocols.clock.ClockSyncRuns;
import dev.parley.protocols.clock.ClockSyncRuns.Skew;
import dev.parley.protocols.clock.ClockSyncRuns.SyncAll;
import dev.parley.protocols.clock.ClockSyncRuns.SyncReport;
import dev.parley.protocols.clock.CristianSync;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clock synchronisation among the cluster's nodes: {@link ClockSyncRuns} over {@link CristianSync}
 * (the group's first node the time server) or {@link BerkeleySync} (the first node the master).
 * Each node's clock starts off by up to the configured offset and drift; operation {@code skew}
 * {@code {"offsetMs": 120, "driftPpm": 30}} at a node sets it. Operation {@code sync}, at any node,
 * runs a round over the whole group and answers, as upcall {@link SyncReport}, each node's clock
 * error against the host's clock after it, its estimate and error bound, and the spread with the
 * bound the algorithm promises for it. The error is measured against the host's clock, which all
 * nodes share on one machine (across machines it is only as good as their own NTP). Settings (its
 * configuration section): how long a sync waits for the reports, the bounds of the clocks' initial
 * error, and the algorithm's own (Cristian's samples and retry; Berkeley's outlier threshold,
 * period, retry and round timeout).
 */
public record ClockSyncKind(String name, String description, boolean berkeley) implements ProtocolKind {

  private ClockSyncRuns.Settings settings(KindConfig c) {
    Object algorithm = berkeley
        ? new BerkeleySync.Settings(c.duration("outlier-threshold"), c.duration("period"), c.duration("retry"),
            c.duration("round-timeout"))
        : new CristianSync.Settings(c.integer("samples"), true, c.duration("retry"));
    return new ClockSyncRuns.Settings(c.duration("report-wait"), c.duration("initial-offset-max"),
        c.decimal("initial-drift-max-ppm"), algorithm);
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return ClockSyncRuns.create(context.peers(), settings(context.config()), context.env(), context.upcalls());
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
}
