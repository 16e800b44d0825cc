package dev.parley.cluster;

import java.util.List;

/** Parley's publish/subscribe kinds: the topic broker and the partitioned log replicated by Raft. */
public final class PubSubKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(new PubSubKind(), new LogKind());
  }
}
