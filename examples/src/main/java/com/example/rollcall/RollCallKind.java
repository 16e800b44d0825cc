package com.example.rollcall;

import akka.actor.typed.Behavior;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.KindConfig;
import dev.parley.cluster.KindContext;
import dev.parley.cluster.Operation;
import dev.parley.cluster.ProtocolKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RollCall} on a Parley cluster: operation {@code call} (POST /protocols/NAME/call, no body)
 * holds a roll call at the node asked and answers with its {@link RollCall.Roll}, the upcall carrying
 * the call's id. Setting {@code wait}, in
 * section {@code parley.kinds.roll-call} (default in this jar's reference.conf).
 */
public final class RollCallKind implements ProtocolKind {

  private static final AtomicLong IDS = new AtomicLong(System.currentTimeMillis());

  @Override
  public String name() {
    return "roll-call";
  }

  @Override
  public String description() {
    return "roll call: who in the group answers within the configured wait";
  }

  @Override
  public void checkConfig(KindConfig config) {
    config.positiveDuration("wait");
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Duration wait = context.config().positiveDuration("wait");
    return RollCall.create(context.typedPeers(), wait, context.upcalls().narrow()).unsafeCast();
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("call", Operation.Empty.class, (caller, none) -> {
      long id = IDS.incrementAndGet();
      return Invocation.answeredBy(new RollCall.Call(id), RollCall.Roll.class, RollCall.Roll::id, id);
    }));
  }
}
