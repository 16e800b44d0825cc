package dev.parley.protocols.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Op;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunRecordTest {

  record LeaderState(long term, String role) {}

  @Test
  void aRunFileCarriesEventsStatesAndAHistoryWithItsVerdict() throws Exception {
    NodeId n1 = NodeId.of("n1");
    NodeId n2 = NodeId.of("n2");
    Tracer tracer = new Tracer(() -> 5);
    Tracer.Stamp sent = tracer.send("raft", n1, n2, "AppendEntries", "AppendEntries[term=2]");
    tracer.receive("raft", n2, n1, "AppendEntries", "AppendEntries[term=2]", sent);
    tracer.upcall("raft", n2, "Committed[1]");
    History history = History.of(
        Op.invoke(0, "c1", "write", "k", 1, 10),
        new Op(1, "c1", dev.parley.protocols.history.OpType.OK, "write", "k", 1, 20, null));
    RunRecord run = new RunRecord("a run", "simulation", "mvn test -Dparley.seed=7", List.of("one note"),
        List.of(n1, n2, NodeId.of("n3")), false, tracer.events(), Map.of(1L, new LeaderState(2, "follower")),
        Map.of(n1, "leader of term 2"), history.operations(), Map.of(0L, List.of(0L, 2L)),
        new RunRecord.Verdict("linearizability", "INVALID", "write 1 cannot be placed", List.of("line"), List.of(0L)));

    JsonNode json = new ObjectMapper().readTree(run.toJson());

    assertThat(json.get("format").asText()).isEqualTo("parley-run");
    assertThat(json.get("version").asInt()).isEqualTo(1);
    assertThat(json.get("nodes")).hasSize(3);
    assertThat(json.get("timeUnit").asText()).isEqualTo("virtual");
    JsonNode receive = json.get("events").get(1);
    assertThat(receive.get("kind").asText()).isEqualTo("receive");
    assertThat(receive.get("peer").asText()).isEqualTo("n1");
    assertThat(receive.get("id").asLong()).isEqualTo(json.get("events").get(0).get("id").asLong());
    assertThat(receive.get("clock").get("n1").asLong()).isEqualTo(1);
    assertThat(receive.get("state").get("role").asText()).isEqualTo("follower");
    assertThat(json.get("events").get(0).has("state")).isFalse();
    assertThat(json.get("states").get("n1").asText()).isEqualTo("leader of term 2");
    JsonNode op = json.get("history").get("operations").get(0);
    assertThat(op.get("outcome").asText()).isEqualTo("ok");
    assertThat(op.get("complete").asLong()).isEqualTo(20);
    assertThat(op.get("events")).hasSize(2);
    assertThat(json.get("history").get("verdict").get("blamed").get(0).asLong()).isZero();
  }
}
