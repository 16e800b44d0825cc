package dev.parley.testkit.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.trace.Tracer;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ScenarioReportTest {

  @Test
  void latencyPercentilesAndMessagesPerOperation() {
    AtomicLong now = new AtomicLong();
    HistoryRecorder history = new HistoryRecorder(now::get);
    for (int i = 1; i <= 100; i++) {
      var h = history.invoke("c1", "put", "k", (long) i);
      now.addAndGet(i * 1_000_000L); // the i-th put takes i ms
      history.ok(h);
    }
    var failed = history.invoke("c1", "get", "k", null);
    history.fail(failed, "timeout");

    Tracer tracer = new Tracer(now::get);
    for (int i = 0; i < 250; i++) {
      var stamp = tracer.send(NodeId.n(1), NodeId.n(2), "m");
      tracer.receive(NodeId.n(2), NodeId.n(1), "m", stamp);
    }

    ScenarioReport report = ScenarioReport.of(tracer.events(), history.history());

    var puts = report.latency().byOperation().get("put");
    assertThat(puts.getTotalCount()).isEqualTo(100);
    assertThat(puts.getValueAtPercentile(50) / 1000.0).isBetween(49.0, 51.0);
    assertThat(puts.getValueAtPercentile(99) / 1000.0).isBetween(98.0, 100.0);
    assertThat(report.latency().byOperation()).doesNotContainKey("get"); // failed ops have no latency
    assertThat(report.messagesPerOperation()).isEqualTo(2.5);
    assertThat(report.text()).contains("put").contains("messages per completed operation: 2.50");
  }
}
