package dev.parley.cluster;

import java.util.List;

/** Naming and overlays: the Chord DHT, a flat name service with caching resolvers, unstructured overlay search. */
public final class NamingKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new ChordKind("chord",
            "Chord DHT lookup: m-bit ring (32 by default), fingers, stabilisation, successor lists; the first node"
                + " creates the ring"),
        new NameServiceKind("name-service",
            "flat name server on the group's first node, resolvers with TTL caches on the others"),
        new OverlayKind("overlay-search",
            "unstructured overlay on a random graph (mean degree 3 by default): share items, search by flooding or"
                + " random walks"));
  }
}
