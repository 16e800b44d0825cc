package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.naming.OverlaySearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unstructured overlay search on the cluster: the group's nodes on a random graph of mean degree
 * {@code mean-degree}, the same on every node (drawn from {@code graph-seed} over the group in id
 * order; both from its configuration section).
 * {@code share} gives a node an item; {@code search} floods or sends random walkers from a node and
 * answers with the first hit. A search that finds nothing has no answer: the call ends with the
 * runtime's "no answer within" note ({@code ?timeout=ms} sets how long it waits).
 */
record OverlayKind(String name, String description) implements ProtocolKind {

  private static final AtomicLong QUERIES = new AtomicLong();

  @Override
  public void checkConfig(KindConfig config) {
    config.decimal("mean-degree");
    config.number("graph-seed");
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Peers<OverlaySearch.Command> overlay = context.typedPeers();
    Map<NodeId, Set<NodeId>> graph = OverlaySearch.randomGraph(new ArrayList<>(overlay.members()),
        context.config().decimal("mean-degree"), context.config().number("graph-seed"));
    return OverlaySearch.create(OverlaySearch.Config.peer(graph.get(overlay.self()), Set.of()), overlay,
        context.env(), context.upcalls().narrow()).unsafeCast();
  }

  /** The body of {@code share}: an item this node holds. */
  public record Share(@JsonProperty(required = true) String item) {
    public Share {
      if (item != null && item.isEmpty()) {
        throw new IllegalArgumentException("\"item\" is empty: give the item to share, such as \"song.mp3\"");
      }
    }
  }

  /**
   * The body of {@code search}: {@code item}, by {@code mode} flood (default) or walk, {@code ttl}
   * hops (0 to 64, default 3), {@code walkers} random walkers (1 to 64, default 1).
   */
  public record Search(@JsonProperty(required = true) String item, String mode, Integer ttl, Integer walkers) {
    public Search {
      if (item != null && item.isEmpty()) {
        throw new IllegalArgumentException("\"item\" is empty: give the item to search for, such as \"song.mp3\"");
      }
      if (mode != null && !List.of("flood", "walk").contains(mode.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("mode is flood or walk, got '" + mode + "'");
      }
      if (ttl != null && (ttl < 0 || ttl > 64) || walkers != null && (walkers < 1 || walkers > 64)) {
        throw new IllegalArgumentException("\"ttl\" is 0 to 64 and \"walkers\" 1 to 64, got " + ttl + " and "
            + walkers);
      }
      mode = mode == null ? "flood" : mode;
      ttl = ttl == null ? 3 : ttl;
      walkers = walkers == null ? 1 : walkers;
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(
        Operation.of("share", Share.class, (caller, s) -> Invocation.accepted(new OverlaySearch.Share(s.item()))),
        Operation.of("search", Search.class, (caller, s) -> {
          long query = QUERIES.incrementAndGet();
          OverlaySearch.Mode mode = OverlaySearch.Mode.valueOf(s.mode().toUpperCase(Locale.ROOT));
          return Invocation.answeredBy(new OverlaySearch.Search(query, s.item(), mode, s.ttl(), s.walkers()),
              OverlaySearch.Found.class, OverlaySearch.Found::query, query);
        }));
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return new OverlaySearch.GetStatus(replyTo.narrow());
  }
}
