package com.example.rollcall;

import dev.parley.cluster.KindProvider;
import dev.parley.cluster.ProtocolKind;
import java.util.List;

/** What this jar offers a Parley node: named in META-INF/services/dev.parley.cluster.KindProvider. */
public final class RollCallKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(new RollCallKind());
  }
}
