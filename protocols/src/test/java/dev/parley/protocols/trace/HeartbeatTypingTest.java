package dev.parley.protocols.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.LogPosition;
import dev.parley.protocols.failure.HeartbeatFailureDetector;
import dev.parley.protocols.replication.GossipStore;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.Versioned;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive traffic is typed so a viewer hides it by name (the explorer hides types containing
 * "Heartbeat"), while messages that carry a client's work keep their plain type, and the marker
 * leaves the wire format as it was.
 */
class HeartbeatTypingTest {

  static final NodeId N1 = NodeId.n(1);
  static final LogPosition START = new LogPosition(0, 0);

  static boolean hidden(String type) {
    return type.toLowerCase().contains("heartbeat");
  }

  @Test
  void raftAppendEntriesWithoutEntriesIsAHeartbeatAndWithEntriesIsNot() {
    Raft.AppendEntries empty = new Raft.AppendEntries(2, N1, START, List.of(), 0);
    Raft.AppendEntries carrying = new Raft.AppendEntries(2, N1, START, List.of(new LogEntry(1, 2, "put k=v")), 0);

    assertThat(Tracer.type(empty)).isEqualTo("AppendEntries (heartbeat)");
    assertThat(Tracer.type(carrying)).isEqualTo("AppendEntries");
    assertThat(hidden(Tracer.type(carrying))).isFalse();
    assertThat(hidden(Tracer.type(new Raft.AppendReply(2, N1, true, 0, false)))).isFalse();
    assertThat(Tracer.type(new Raft.AppendReply(2, N1, true, 0, true))).isEqualTo("AppendReply (heartbeat)");
  }

  @Test
  void aGossipRoundIsAHeartbeatUnlessItsDeltaCarriesNews() {
    Versioned v = new Versioned(new Versioned.Version(5, N1), "v", new RequestId("c1", 1));
    assertThat(hidden(Tracer.type(new GossipStore.Digest(N1, Map.of("k", v.version()))))).isTrue();
    assertThat(Tracer.type(new GossipStore.Delta(N1, Map.of(), Set.of()))).isEqualTo("Delta (heartbeat)");
    assertThat(Tracer.type(new GossipStore.Delta(N1, Map.of("k", v), Set.of()))).isEqualTo("Delta");
    assertThat(Tracer.type(new GossipStore.Delta(N1, Map.of(), Set.of("k")))).isEqualTo("Delta");
  }

  @Test
  void failureDetectorHeartbeatsAreHiddenByTheirOwnName() {
    assertThat(hidden(Tracer.type(new HeartbeatFailureDetector.Heartbeat(N1, 3)))).isTrue();
  }

  @Test
  void theMarkerAddsNothingToTheWireFormat() throws Exception {
    ObjectMapper json = new ObjectMapper().findAndRegisterModules();
    String append = json.writeValueAsString(new Raft.AppendEntries(2, N1, START, List.of(), 0));
    String delta = json.writeValueAsString(new GossipStore.Delta(N1, Map.of(), Set.of()));

    assertThat(append).doesNotContainIgnoringCase("heartbeat");
    assertThat(delta).doesNotContainIgnoringCase("heartbeat");
    assertThat(json.readValue(append, Raft.AppendEntries.class))
        .isEqualTo(new Raft.AppendEntries(2, N1, START, List.of(), 0));
  }

  @Test
  void labelsKeepTheMessageUpToAFewHundredCharacters() {
    String text = "x".repeat(300);
    assertThat(Tracer.abbreviate(text, "Data")).isEqualTo(text);
    assertThat(Tracer.abbreviate("y".repeat(Tracer.MAX_LABEL + 1), "Data")).isEqualTo("Data");
  }
}
