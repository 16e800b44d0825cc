package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Protocols that watch the group and report (elections: {@code LeaderElected}; failure and
 * partition detectors: {@code Suspect}, {@code MajorityLost}, ...): their live state answers {@code
 * /status}, their last upcall of each type is shown, and some offer one operation (an election a
 * node holds on its own).
 *
 * @param settings the algorithm's settings from the kind's configuration section
 * @param factory the instance on a node
 * @param statusQuery the algorithm's status query for a reply-to reference
 * @param operations operation name to downcall
 */
record ObserverKind<S>(
    String name,
    String description,
    Function<KindConfig, S> settings,
    Factory<S> factory,
    Function<ActorRef<Object>, Object> statusQuery,
    Map<String, Object> operationsByName)
    implements ProtocolKind {

  @FunctionalInterface
  interface Factory<S> {
    Behavior<?> create(KindContext context, S settings);
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings.apply(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return factory.create(context, settings.apply(context.config())).unsafeCast();
  }

  @Override
  public List<Operation<?>> operations() {
    return operationsByName.entrySet().stream().<Operation<?>>map(e -> Operation.of(e.getKey(), Operation.Empty.class,
        (caller, none) -> Invocation.accepted(e.getValue()))).toList();
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> latest = new LinkedHashMap<>();
    for (UpcallLog.Entry e : upcalls.since(instance, 0)) {
      latest.put(e.type(), e.upcall());
    }
    return Map.of("latest", latest);
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return statusQuery.apply(replyTo);
  }
}
