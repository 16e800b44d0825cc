package dev.parley.cluster;

import akka.actor.typed.Behavior;
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

  /** The body of {@code run}: {@code rounds} of messengers (1 to 100, default 4), each lost with chance {@code loss}. */
  public record Attack(Integer rounds, Double loss) {
    public Attack {
      if (rounds != null && (rounds < 1 || rounds > 100)) {
        throw new IllegalArgumentException("\"rounds\" must be a whole number from 1 to 100, got " + rounds);
      }
      if (loss != null && !(loss >= 0 && loss <= 1)) {
        throw new IllegalArgumentException("\"loss\" must be a number from 0 to 1, got " + loss);
      }
      rounds = rounds == null ? 4 : rounds;
      loss = loss == null ? 0 : loss;
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("run", Attack.class, (caller, a) -> {
      long run = System.nanoTime();
      return Invocation.answeredBy(new Run(run, caller.node().node(), a.rounds(), a.loss()), Chain.class, Chain::run,
          run);
    }));
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lastRun", upcalls.latest(instance, Chain.class));
    return out;
  }
}
