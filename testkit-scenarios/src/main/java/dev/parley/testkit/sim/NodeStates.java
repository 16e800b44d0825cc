package dev.parley.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.parley.protocols.core.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a simulation's state query ({@code Simulation.Builder.states}) answered after each step: for
 * each node the step ran on, its protocol state, with the trace events of that step. The explorer
 * shows it as the state after each of those events.
 *
 * <p>Model: a {@link Sample} covers the trace events {@code [traceFrom, traceTo)} of one step and
 * one node. The state is copied to a JSON tree when taken, so a protocol that answers with a view of
 * its live (mutable) state still shows what it was then. A node down after the step has no sample.
 *
 * <p>Cost: one query through the node's kit and one JSON copy per node and step, only when the run
 * is traced and the builder has a state query.
 */
final class NodeStates {

  /** The state of {@code node} after the step whose trace events are {@code [traceFrom, traceTo)}. */
  record Sample(int traceFrom, int traceTo, NodeId node, JsonNode state) {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .findAndRegisterModules()
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private final List<Sample> samples = new ArrayList<>();
  private final Map<NodeId, JsonNode> latest = new LinkedHashMap<>();

  void add(int traceFrom, int traceTo, NodeId node, Object state) {
    JsonNode json = copy(state);
    samples.add(new Sample(traceFrom, traceTo, node, json));
    latest.put(node, json);
  }

  /** The node went down: it has no state until it answers again. */
  void down(NodeId node) {
    latest.remove(node);
  }

  List<Sample> samples() {
    return Collections.unmodifiableList(samples);
  }

  /** Each node's latest state, for the nodes up and answering. */
  Map<NodeId, JsonNode> latest() {
    return Collections.unmodifiableMap(latest);
  }

  /** {@code state} as JSON: records, maps and lists as they are; anything Jackson cannot map, as its text. */
  static JsonNode copy(Object state) {
    try {
      return JSON.valueToTree(state);
    } catch (RuntimeException | StackOverflowError e) {
      return JsonNodeFactory.instance.textNode(Trace.text(state));
    }
  }
}
