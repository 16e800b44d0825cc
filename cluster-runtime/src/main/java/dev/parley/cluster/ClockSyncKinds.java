package dev.parley.cluster;

import java.util.List;

/** Clock synchronisation among the nodes: Cristian's and Berkeley's algorithms. */
public final class ClockSyncKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new ClockSyncKind("cristian",
            "Cristian/NTP offset estimation against the first node's clock, skewed drifting clocks, retries", false),
        new ClockSyncKind("berkeley",
            "Berkeley averaging of the nodes' skewed drifting clocks by the first node, retries, unreachable nodes left out",
            true));
  }
}
