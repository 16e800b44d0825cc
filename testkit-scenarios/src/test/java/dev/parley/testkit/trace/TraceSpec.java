package dev.parley.testkit.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.multicast.CausalMulticast;
import dev.parley.protocols.multicast.Delivered;
import dev.parley.protocols.trace.MessageCounts;
import dev.parley.protocols.trace.ShiVizCheck;
import dev.parley.protocols.trace.ShiVizLog;
import dev.parley.protocols.trace.SpaceTimeDiagram;
import dev.parley.protocols.trace.StampedEvent.Kind;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.testkit.ParleyTestKit;
import dev.parley.testkit.group.LocalGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class TraceSpec {

  @RegisterExtension static final ParleyTestKit parley = new ParleyTestKit();

  private List<StampedEvent> tracedRun(FaultPlan faults) {
    LocalGroup<CausalMulticast.Command> group =
        parley.group(3).faults(faults).traced()
            .start((peers, env, up) -> CausalMulticast.create(peers, up.narrow()));
    for (NodeId n : group.nodes()) {
      group.tell(n, new CausalMulticast.Multicast("hello from " + n));
    }
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.upcalls().of(Delivered.class)).hasSize(9));
    group.await(Duration.ofSeconds(5), () ->
        assertThat(group.trace()).filteredOn(e -> e.kind() == Kind.LOCAL).hasSize(9));
    return group.trace();
  }

  @Test
  void everyReceiveHappensAfterItsSend() {
    List<StampedEvent> trace = tracedRun(FaultPlan.NONE.withDuplicate(0.5));
    Map<Long, StampedEvent> sends = new HashMap<>();
    trace.stream().filter(e -> e.kind() == Kind.SEND).forEach(e -> sends.put(e.messageId(), e));
    List<StampedEvent> receives = trace.stream().filter(e -> e.kind() == Kind.RECEIVE).toList();

    assertThat(sends).hasSize(6);
    assertThat(receives).hasSizeGreaterThanOrEqualTo(6);
    for (StampedEvent r : receives) {
      StampedEvent s = sends.get(r.messageId());
      assertThat(s.clock().happenedBefore(r.clock())).isTrue();
      assertThat(s.peer()).isEqualTo(r.node());
      assertThat(r.peer()).isEqualTo(s.node());
    }
  }

  @Test
  void messageCountsMatchCausalMulticastsCostOfNMinusOnePerMulticast() {
    MessageCounts counts = MessageCounts.of(tracedRun(FaultPlan.NONE));
    assertThat(counts.byType()).containsExactly(Map.entry("Data", 6L));
    assertThat(counts.perOperation(3)).isEqualTo(2.0); // N - 1 for N = 3
    assertThat(counts.table()).contains("Data").contains("total");
  }

  @Test
  void shiVizLogPairsEventLinesWithClocksThatCountEachNodesEvents() {
    List<StampedEvent> trace = tracedRun(FaultPlan.NONE);
    String log = ShiVizLog.of(trace);
    Matcher m = Pattern.compile("(?<event>.*)\\n(?<host>\\S*) (?<clock>\\{.*\\})\\n").matcher(log);
    Map<String, Integer> own = new HashMap<>();
    int events = 0;
    while (m.find()) {
      events++;
      String host = m.group("host");
      Matcher entry = Pattern.compile("\"" + host + "\":(\\d+)").matcher(m.group("clock"));
      assertThat(entry.find()).as("the clock of %s has its own entry", host).isTrue();
      int count = own.merge(host, 1, Integer::sum);
      assertThat(Integer.parseInt(entry.group(1))).isEqualTo(count);
    }
    assertThat(events).isEqualTo(trace.size());
    assertThat(ShiVizCheck.check(log).problems()).isEmpty();
  }

  @Test
  void spaceTimeDiagramIsOneSelfContainedPage(@TempDir Path dir) throws Exception {
    List<StampedEvent> trace = tracedRun(FaultPlan.NONE);
    Path file = dir.resolve("trace.html");
    SpaceTimeDiagram.write("causal multicast", trace, file);
    String html = Files.readString(file);

    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").doesNotContain("<script");
    assertThat(html).doesNotContain("src=").doesNotContain("href=");
    assertThat(Pattern.compile("<circle").matcher(html).results().count()).isEqualTo(trace.size());
    assertThat(Pattern.compile("marker-end").matcher(html).results().count())
        .isEqualTo(trace.stream().filter(e -> e.kind() == Kind.RECEIVE).count());
  }
}
