package dev.parley.protocols.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.trace.StampedEvent.Kind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Traces recorded apart, one tracer per node as on a cluster, put back together. */
class TracesTest {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final NodeId N3 = NodeId.n(3);

  @Test
  void mergedTracesKeepEverySendBeforeItsReceiveAndPairThemByTheirSender() throws Exception {
    Tracer t1 = new Tracer(() -> 0);
    Tracer t2 = new Tracer(() -> 0);
    Tracer t3 = new Tracer(() -> 0);
    var a = t1.send(N1, N2, "question");
    var b = t3.send(N3, N2, "aside"); // the same message id as a, from another node
    t2.receive(N2, N1, "question", a);
    var c = t2.send(N2, N3, "answer");
    t3.receive(N3, N2, "answer", c);
    t2.receive(N2, N3, "aside", b);

    // each node's trace travels as JSON, as GET /trace serves it
    ObjectMapper json = new ObjectMapper();
    List<List<StampedEvent>> apart = List.of(t3.events(), t2.events(), t1.events()).stream()
        .map(events -> roundTrip(json, events)).toList();
    List<StampedEvent> merged = Traces.merge(apart);

    assertThat(merged).hasSize(6);
    Map<String, Integer> sendAt = new HashMap<>();
    for (StampedEvent e : merged) {
      if (e.kind() == Kind.SEND) {
        sendAt.put(e.node() + "#" + e.messageId(), (int) e.index());
      }
    }
    for (StampedEvent e : merged) {
      if (e.kind() == Kind.RECEIVE) {
        assertThat(sendAt.get(e.peer() + "#" + e.messageId())).isLessThan((int) e.index());
      }
    }
    String html = SpaceTimeDiagram.html("merged", merged);
    assertThat(html.split("marker-end", -1)).hasSize(4); // three arrows, each to its own sender
  }

  private static List<StampedEvent> roundTrip(ObjectMapper json, List<StampedEvent> events) {
    try {
      return json.readValue(json.writeValueAsString(events), new TypeReference<List<StampedEvent>>() {});
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aBoundedTracerKeepsTheLatestEvents() {
    Tracer t = new Tracer(() -> 0, 3);
    for (int i = 0; i < 5; i++) {
      t.upcall(N1, "u" + i);
    }
    assertThat(t.events()).extracting(StampedEvent::label).containsExactly("u2", "u3", "u4");
    assertThat(t.events().get(2).clock().get(N1)).isEqualTo(5);
  }
}
