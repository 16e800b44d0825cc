package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.naming.Chord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chord on the cluster: the group's first node creates the ring when its instance starts, every other
 * node joins through it (and, after a restart, joins again). {@code POST /protocols/<name>/lookup}
 * with {@code {"key":"..."}} answers with the node responsible for the key and the hops it took;
 * {@code /status} shows the node's predecessor, successors and fingers. Settings: the ring's bits,
 * successor list and periods, from its configuration section.
 */
record ChordKind(String name, String description) implements ProtocolKind {

  private static final AtomicLong REQUESTS = new AtomicLong();

  @Override
  public void checkConfig(KindConfig config) {
    settings(config);
  }

  private static Chord.Settings settings(KindConfig c) {
    return new Chord.Settings(c.integer("bits"), c.integer("successors"), c.duration("stabilise"),
        c.duration("fix-fingers"), c.duration("check-predecessor"), c.duration("hop-timeout"),
        c.duration("lookup-timeout"), c.integer("lookup-attempts"));
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Peers<Chord.Command> ring = context.typedPeers();
    NodeId first = ring.members().first();
    Chord.Settings settings = settings(context.config());
    return Behaviors.<Object>setup(ctx -> {
      ctx.getSelf().tell(first.equals(ring.self()) ? new Chord.Create() : new Chord.Join(first));
      return Chord.create(ring, context.env(), settings, context.upcalls().narrow()).unsafeCast();
    });
  }

  /** The body of {@code lookup}: the key whose node is wanted. */
  public record Lookup(@JsonProperty(required = true) String key) {
    public Lookup {
      if (key != null && key.isEmpty()) {
        throw new IllegalArgumentException("\"key\" is empty: give the key to look up, such as \"song.mp3\"");
      }
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("lookup", Lookup.class, (caller, lookup) -> {
      long id = REQUESTS.incrementAndGet();
      return Invocation.answeredBy(new Chord.Lookup(id, lookup.key()), Chord.Upcall.class, ChordKind::requestIdOf, id);
    }));
  }

  /** The lookup an upcall answers: a hit's or a failure's. */
  private static Long requestIdOf(Chord.Upcall upcall) {
    if (upcall instanceof Chord.Found f) {
      return f.requestId();
    }
    return upcall instanceof Chord.LookupFailed l ? l.requestId() : null;
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
    return new Chord.GetStatus(replyTo.narrow());
  }
}
