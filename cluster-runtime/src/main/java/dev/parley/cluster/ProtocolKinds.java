package dev.parley.cluster;

import dev.parley.protocols.core.Peers;
import dev.parley.protocols.multicast.BasicMulticast;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.FifoMulticast;
import dev.parley.protocols.multicast.LamportMulticast;
import dev.parley.protocols.multicast.ReliableMulticast;
import dev.parley.protocols.multicast.SequencerMulticast;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every kind of protocol a node can run, by name. */
public final class ProtocolKinds {

  private static final Map<String, ProtocolKind> KINDS = new LinkedHashMap<>();

  static {
    add(new MulticastKind("basic-multicast", "best-effort multicast: N-1 messages, no order",
        (peers, up) -> BasicMulticast.create(cast(peers), up)));
    add(new MulticastKind("reliable-multicast", "eager reliable multicast: agreement despite a crashed sender",
        (peers, up) -> ReliableMulticast.create(cast(peers), up)));
    add(new MulticastKind("fifo-multicast", "FIFO multicast: each sender's order kept",
        (peers, up) -> FifoMulticast.create(cast(peers), up)));
    add(new MulticastKind("causal-multicast", "causal multicast with vector clocks",
        (peers, up) -> CausalMulticast.create(cast(peers), up)));
    add(new MulticastKind("sequencer-multicast", "total-order multicast through a sequencer",
        (peers, up) -> SequencerMulticast.create(cast(peers), up)));
    add(new MulticastKind("lamport-multicast", "total-order multicast with Lamport clocks (needs FIFO links)",
        (peers, up) -> LamportMulticast.create(cast(peers), up)));
  }

  private ProtocolKinds() {}

  private static void add(ProtocolKind kind) {
    KINDS.put(kind.name(), kind);
  }

  @SuppressWarnings("unchecked")
  private static <C> Peers<C> cast(Peers<Object> peers) {
    return (Peers<C>) (Peers<?>) peers;
  }

  /** The kind named {@code name}; an unknown name is an error listing the known ones. */
  public static ProtocolKind named(String name) {
    ProtocolKind kind = KINDS.get(name);
    if (kind == null) {
      throw new IllegalArgumentException("unknown protocol kind '" + name + "'; the kinds are "
          + KINDS.keySet());
    }
    return kind;
  }

  public static Map<String, ProtocolKind> all() {
    return Map.copyOf(KINDS);
  }
}
