package dev.parley.cluster;

import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.byzantine.TwoGeneralsRuns;
import dev.parley.protocols.byzantine.TwoGeneralsRuns.Chain;
import dev.parley.protocols.byzantine.TwoGeneralsRuns.Run;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two generals on the cluster: {@link TwoGeneralsRuns}, the group's first two nodes the
 * generals, the others onlookers. Operation {@code run} {@code {"rounds": 4, "loss": 0.3}}, at any
 * node, runs a fresh chain of at most {@code rounds} messages over a link that loses each one with
 * probability {@code loss} (on top of any nemesis), and answers, as upcall {@link Chain}, every
 * message of the chain (delivered or lost), what each general received, sent and decided, and
 * whether they acted alike. Setting: {@code run}, how long a run lasts before the generals report.
 */
public record TwoGeneralsKind(String name, String description) implements ProtocolKind {

  @Override
  public void checkConfig(KindConfig config) {
    new TwoGeneralsRuns.Settings(config.positiveDuration("run"));
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    TwoGeneralsRuns.Settings settings = new TwoGeneralsRuns.Settings(context.config().positiveDuration("run"));
    return TwoGeneralsRuns.create(context.typedPeers(), settings, context.env(), context.upcalls()).unsafeCast();
  }

  @Override
  public List<String> operations() {
    return List.of("run");
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    if (!op.equals("run")) {
      throw ProtocolKind.unknownOperation(this, op);
    }
    int rounds = (int) JsonFields.whole(body, "rounds", 1, 100, 4);
    double loss = JsonFields.number(body, "loss", 0, 1, 0);
    long run = System.nanoTime();
    return new Call(new Run(run, node.node(), rounds, loss), run);
  }

  @Override
  public Object answerKeyOf(Object upcall) {
    return upcall instanceof Chain c ? c.run() : null;
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastRun", upcalls.latest(instance, Chain.class));
    return out;
  }
}
