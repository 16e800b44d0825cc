package dev.parley.cluster;

import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.byzantine.ByzantineRuns;
import dev.parley.protocols.byzantine.ByzantineRuns.Run;
import dev.parley.protocols.byzantine.ByzantineRuns.Verdict;
import dev.parley.protocols.byzantine.OralMessages;
import dev.parley.protocols.byzantine.SignedMessages;
import dev.parley.protocols.byzantine.Traitor;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Byzantine agreement on the cluster: {@link ByzantineRuns} over {@link OralMessages} OM(m) or
 * {@link SignedMessages} SM(m), the group's first node the commander. Operation {@code decide}
 * {@code {"value": "attack", "traitors": ["n3"], "behavior": "lie", "m": 1}}, at any node, runs one
 * agreement (traitors and their behavior are set per call; {@code m} defaults to the number of
 * traitors; rounds are the configured {@code round} long unless the call says {@code "roundMs"}),
 * and the answer, upcall {@link Verdict}, shows each lieutenant's decision, whether agreement and
 * validity held, how many messages the run took, and whether the run kept to the synchronous model.
 * SM's trusted dealer is imitated by every node from the instance's name. Settings: {@code round},
 * {@code ready-wait} (how long a run waits for every node to be ready before it starts with those
 * that are).
 */
public record ByzantineKind(String name, String description, boolean signed) implements ProtocolKind {

  /**
   * Timing on the cluster.
   *
   * @param round the synchronous round bound, for a call that does not give its own
   * @param readyWait how long a run waits for every node to be ready before it starts with those that are
   */
  record Timing(Duration round, Duration readyWait) {
    static Timing of(KindConfig c) {
      Timing timing = new Timing(c.duration("round"), c.duration("ready-wait"));
      if (timing.round.toMillis() < 10 || timing.round.toMillis() > 10_000 || timing.readyWait.isNegative()) {
        throw new IllegalArgumentException(c.key("round") + " must be within 10 ms..10 s and "
            + c.key("ready-wait") + " at least zero, got " + timing);
      }
      return timing;
    }
  }

  @Override
  public void checkConfig(KindConfig config) {
    Timing.of(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Timing timing = Timing.of(context.config());
    ByzantineRuns.Settings settings = new ByzantineRuns.Settings(
        signed ? ByzantineRuns.Algorithm.SIGNED : ByzantineRuns.Algorithm.ORAL, timing.round(), timing.readyWait(),
        NodeEnv.mix(0, context.instance()));
    return ByzantineRuns.create(context.typedPeers(), settings, context.upcalls()).unsafeCast();
  }

  /**
   * The body of {@code decide}: the commander's order {@code value} (attack or retreat), the
   * {@code traitors}, how they behave (lie, silent or conflicting; default lie), the rounds {@code
   * m} (default: as many as traitors) and the round length {@code roundMs} (10 to 10000).
   */
  public record Decide(@JsonProperty(required = true) String value, List<String> traitors, String behavior,
      Integer m, Long roundMs) {
    public Decide {
      String example = " e.g. {\"value\": \"attack\", \"traitors\": [\"n3\"], \"behavior\": \"lie\"}";
      if (value != null && !(value.equals("attack") || value.equals("retreat"))) {
        throw new IllegalArgumentException("the commander's order is \"value\": \"attack\" or \"retreat\";" + example);
      }
      if (roundMs != null && (roundMs < 10 || roundMs > 10_000)) {
        throw new IllegalArgumentException("\"roundMs\" must be a whole number from 10 to 10000, got " + roundMs);
      }
      traitors = traitors == null ? List.of() : List.copyOf(traitors);
      behavior = behavior == null ? "lie" : behavior;
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("decide", Decide.class, (caller, d) -> decide(caller.node(), d)));
  }

  private static Invocation decide(NodeSettings node, Decide body) {
    List<NodeId> traitors = new ArrayList<>();
    for (String t : body.traitors()) {
      NodeId id = NodeId.of(t);
      if (!node.group().contains(id)) {
        throw new IllegalArgumentException("traitor " + id + " is not in the group " + node.group());
      }
      traitors.add(id);
    }
    Traitor strategy;
    try {
      strategy = Traitor.valueOf(body.behavior().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a traitor's behavior is lie, silent or conflicting, got '" + body.behavior()
          + "'");
    }
    int m = body.m() == null ? traitors.size() : body.m();
    if (m < 0 || m > node.group().size() - 2) {
      throw new IllegalArgumentException("\"m\" must be a whole number from 0 to " + (node.group().size() - 2)
          + ", got " + m);
    }
    long run = System.nanoTime();
    Run spec = new Run(run, node.node(), body.value().equals("attack") ? 1 : 0,
        List.copyOf(new LinkedHashSet<>(traitors)), strategy, m,
        body.roundMs() == null ? Run.CONFIGURED_ROUND : body.roundMs());
    return Invocation.answeredBy(spec, Verdict.class, Verdict::run, run);
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastVerdict", upcalls.latest(instance, Verdict.class));
    out.put("verdicts", upcalls.since(instance, 0).stream().filter(e -> e.upcall() instanceof Verdict).count());
    return out;
  }
}
