package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
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

  @Override
  public List<String> operations() {
    return List.of("share", "search");
  }


  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    String item = body == null || !body.hasNonNull("item") ? "" : body.get("item").asText();
    if (item.isEmpty()) {
      throw new IllegalArgumentException(op + " needs a JSON body with a non-empty \"item\" string, such as "
          + "{\"item\":\"song.mp3\",\"mode\":\"flood\",\"ttl\":3} (search) or {\"item\":\"song.mp3\"} (share)");
    }
    if (op.equals("share")) {
      return Call.accepted(new OverlaySearch.Share(item));
    }
    if (!op.equals("search")) {
      throw ProtocolKind.unknownOperation(this, op);
    }
    String mode = body.hasNonNull("mode") ? body.get("mode").asText() : "flood";
    OverlaySearch.Mode m;
    try {
      m = OverlaySearch.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("mode is flood or walk, got '" + mode + "'");
    }
    int ttl = (int) JsonFields.whole(body, "ttl", 0, 64, 3);
    int walkers = (int) JsonFields.whole(body, "walkers", 1, 64, 1);
    long query = QUERIES.incrementAndGet();
    return new Call(new OverlaySearch.Search(query, item, m, ttl, walkers), query);
  }

  @Override
  public Object answerKeyOf(Object upcall) {
    return upcall instanceof OverlaySearch.Found f ? f.query() : null;
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
