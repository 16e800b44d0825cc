package dev.parley.testkit.report;

import dev.parley.protocols.history.History;
import dev.parley.protocols.trace.MessageCounts;
import dev.parley.protocols.trace.StampedEvent;
import java.util.List;

/**
 * What a person reads at the end of a scenario: messages by type and sender, messages per
 * completed operation, and latency percentiles per operation.
 */
public record ScenarioReport(MessageCounts messages, LatencyReport latency) {

  public static ScenarioReport of(List<StampedEvent> trace, History history) {
    return new ScenarioReport(MessageCounts.of(trace), LatencyReport.of(history));
  }

  /** Messages sent per completed operation. */
  public double messagesPerOperation() {
    return messages.perOperation(latency.count());
  }

  public String text() {
    return messages.table()
        + String.format("messages per completed operation: %.2f%n", messagesPerOperation())
        + latency.table();
  }
}
