package dev.parley.cluster;

import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
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

  @Override
  public List<String> operations() {
    return List.of("decide");
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    if (!op.equals("decide")) {
      throw ProtocolKind.unknownOperation(this, op);
    }
    String example = " e.g. {\"value\": \"attack\", \"traitors\": [\"n3\"], \"behavior\": \"lie\"}";
    JsonNode value = body == null ? null : body.get("value");
    if (value == null || !(value.asText().equals("attack") || value.asText().equals("retreat"))) {
      throw new IllegalArgumentException("the commander's order is \"value\": \"attack\" or \"retreat\";" + example);
    }
    List<NodeId> traitors = new ArrayList<>();
    for (JsonNode t : body.path("traitors")) {
      NodeId id = NodeId.of(t.asText());
      if (!node.group().contains(id)) {
        throw new IllegalArgumentException("traitor " + id + " is not in the group " + node.group());
      }
      traitors.add(id);
    }
    String behavior = body.path("behavior").asText("lie");
    Traitor strategy;
    try {
      strategy = Traitor.valueOf(behavior.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a traitor's behavior is lie, silent or conflicting, got '" + behavior + "'");
    }
    int m = (int) JsonFields.whole(body, "m", 0, node.group().size() - 2, traitors.size());
    long roundMs = JsonFields.whole(body, "roundMs", 10, 10_000, Run.CONFIGURED_ROUND);
    long run = System.nanoTime();
    Run spec = new Run(run, node.node(), value.asText().equals("attack") ? 1 : 0,
        List.copyOf(new LinkedHashSet<>(traitors)), strategy, m, roundMs);
    return new Call(spec, run);
  }

  @Override
  public Object answerKeyOf(Object upcall) {
    return upcall instanceof Verdict v ? v.run() : null;
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastVerdict", upcalls.latest(instance, Verdict.class));
    out.put("verdicts", upcalls.since(instance, 0).stream().filter(e -> e.upcall() instanceof Verdict).count());
    return out;
  }
}
