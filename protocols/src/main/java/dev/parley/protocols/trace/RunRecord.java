package dev.parley.protocols.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.Operation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One recorded run, as the explorer page opens it: the vector-stamped events of every node, what
 * each node's protocol state was after its events, the clients' operations and a checker's verdict
 * on them. A simulation, a spec's group and a live cluster each write one; {@link #toJson()} is the
 * run file's format ({@code "format": "parley-run", "version": 1}, described in docs/explorer.md).
 *
 * @param title what the run is, such as {@code MutexSimulationSpec seed 42}
 * @param source {@code simulation}, {@code group} or {@code cluster}
 * @param replay how to run it again (a command line), or null
 * @param notes paragraphs shown above the diagram (what a cut left out, a node that did not answer)
 * @param nodes every node of the run, also those with no event
 * @param wallTime whether event times are wall-clock epoch nanos (a cluster, a group) rather than
 *     virtual nanos since the run began (a simulation)
 * @param events the events, in an order consistent with happened-before
 * @param eventStates by event index: the node's protocol state right after that event (any value;
 *     records and maps become JSON objects), for the events where it was taken
 * @param states each node's protocol state at the end of the run (or now, for a live cluster)
 * @param operations the clients' operations, empty if none were recorded
 * @param operationEvents by operation id (its invocation's index): the indices of its events; where
 *     {@code operationNodes} does not name its node, the node of its first event is the operation's
 * @param verdict a checker's verdict on {@code operations}, or null
 * @param operationNodes by operation id: the node where the operation was made (a cluster's), shown
 *     as the operation's {@code node}; empty when not known
 */
public record RunRecord(
    String title,
    String source,
    String replay,
    List<String> notes,
    List<NodeId> nodes,
    boolean wallTime,
    List<StampedEvent> events,
    Map<Long, Object> eventStates,
    Map<NodeId, Object> states,
    List<Operation> operations,
    Map<Long, List<Long>> operationEvents,
    Verdict verdict,
    Map<Long, NodeId> operationNodes) {

  /** The value of the run file's {@code format} field. */
  public static final String FORMAT = "parley-run";

  /** The run file's version; the page refuses other versions, saying which it reads. */
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper()
      .findAndRegisterModules()
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  /**
   * A checker's verdict as the page shows it.
   *
   * @param checker its name, such as {@code linearizability}
   * @param outcome {@code VALID}, {@code INVALID} or {@code UNKNOWN}
   * @param summary one line
   * @param counterexample lines to read, empty unless invalid
   * @param blamed ids of the operations the checker blames (their invocations' indices)
   */
  public record Verdict(String checker, String outcome, String summary, List<String> counterexample,
      List<Long> blamed) {

    public Verdict {
      Objects.requireNonNull(checker, "checker");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(summary, "summary");
      counterexample = List.copyOf(counterexample);
      blamed = List.copyOf(blamed);
    }
  }

  public RunRecord {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(source, "source");
    notes = List.copyOf(notes);
    nodes = List.copyOf(nodes);
    events = List.copyOf(events);
    eventStates = Map.copyOf(eventStates);
    states = Map.copyOf(states);
    operations = List.copyOf(operations);
    operationEvents = Map.copyOf(operationEvents);
    operationNodes = Map.copyOf(operationNodes);
  }

  /** A run whose operations' nodes are not known. */
  public RunRecord(String title, String source, String replay, List<String> notes, List<NodeId> nodes,
      boolean wallTime, List<StampedEvent> events, Map<Long, Object> eventStates, Map<NodeId, Object> states,
      List<Operation> operations, Map<Long, List<Long>> operationEvents, Verdict verdict) {
    this(title, source, replay, notes, nodes, wallTime, events, eventStates, states, operations, operationEvents,
        verdict, Map.of());
  }

  /** A run of events alone: no states, no history. */
  public static RunRecord of(String title, String source, List<NodeId> nodes, boolean wallTime,
      List<StampedEvent> events) {
    return new RunRecord(title, source, null, List.of(), nodes, wallTime, events, Map.of(), Map.of(), List.of(),
        Map.of(), null);
  }

  /**
   * This run with the clients' {@code operations}, which of its events belong to each ({@code
   * operationEvents}, by operation id: may be empty or partial) and a checker's {@code verdict} on
   * them (or null).
   */
  public RunRecord withHistory(List<Operation> operations, Map<Long, List<Long>> operationEvents, Verdict verdict) {
    return new RunRecord(title, source, replay, notes, nodes, wallTime, events, eventStates, states, operations,
        operationEvents, verdict, operationNodes);
  }

  /** This run with {@code note} added to its notes (a paragraph shown above the diagram). */
  public RunRecord withNote(String note) {
    List<String> more = new ArrayList<>(notes);
    more.add(Objects.requireNonNull(note, "note"));
    return new RunRecord(title, source, replay, more, nodes, wallTime, events, eventStates, states, operations,
        operationEvents, verdict, operationNodes);
  }

  /** This run with each node's state at the end (or now) replaced by {@code finalStates}. */
  public RunRecord withStates(Map<NodeId, Object> finalStates) {
    return new RunRecord(title, source, replay, notes, nodes, wallTime, events, eventStates, finalStates, operations,
        operationEvents, verdict, operationNodes);
  }

  /** The run file's text. */
  public String toJson() {
    ObjectNode run = JsonNodeFactory.instance.objectNode();
    run.put("format", FORMAT);
    run.put("version", VERSION);
    run.put("title", title);
    run.put("source", source);
    run.put("replay", replay);
    notes.forEach(run.putArray("notes")::add);
    if (notes.isEmpty()) {
      run.putArray("notes");
    }
    ArrayNode nodeArray = run.putArray("nodes");
    nodes.forEach(n -> nodeArray.add(n.toString()));
    run.put("timeUnit", wallTime ? "wall" : "virtual");
    ArrayNode eventArray = run.putArray("events");
    for (int i = 0; i < events.size(); i++) {
      eventArray.add(event(i, events.get(i)));
    }
    if (!states.isEmpty()) {
      ObjectNode stateObject = run.putObject("states");
      states.forEach((node, state) -> stateObject.set(node.toString(), value(state)));
    }
    if (!operations.isEmpty() || verdict != null) {
      ObjectNode history = run.putObject("history");
      ArrayNode ops = history.putArray("operations");
      operations.forEach(op -> ops.add(operation(op)));
      if (verdict != null) {
        history.set("verdict", JSON.valueToTree(verdict));
      }
    }
    try {
      return JSON.writeValueAsString(run);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the run could not be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Writes the run file, creating its directory. */
  public Path write(Path file) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, toJson());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the run to " + file + ": " + e.getMessage(), e);
    }
  }

  private ObjectNode event(int position, StampedEvent e) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("i", position);
    o.put("node", e.node().toString());
    o.put("instance", e.instance());
    o.put("kind", e.kind().name().toLowerCase());
    o.put("peer", e.peer() == null ? null : e.peer().toString());
    o.put("id", e.messageId());
    o.put("type", e.type());
    o.put("label", e.label());
    ObjectNode clock = o.putObject("clock");
    e.clock().entries().forEach((node, count) -> clock.put(node.toString(), count));
    o.put("t", e.timeNanos());
    if (eventStates.containsKey((long) position)) {
      o.set("state", value(eventStates.get((long) position)));
    }
    return o;
  }

  private ObjectNode operation(Operation op) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    long id = op.invocation().index();
    o.put("id", id);
    o.put("client", op.process());
    NodeId node = operationNodes.get(id);
    List<Long> its = operationEvents.get(id);
    if (node == null && its != null && !its.isEmpty() && its.get(0) >= 0 && its.get(0) < events.size()) {
      node = events.get(its.get(0).intValue()).node();
    }
    o.put("node", node == null ? null : node.toString());
    o.put("f", op.f());
    o.put("key", op.key());
    o.set("arg", value(op.argument()));
    o.set("result", value(op.result()));
    o.put("outcome", op.completion() == null ? "info" : op.completion().type().jsonName());
    o.put("invoke", op.invocation().timeNanos());
    if (op.completion() == null) {
      o.putNull("complete");
    } else {
      o.put("complete", op.completion().timeNanos());
    }
    if (its != null) {
      ArrayNode a = o.putArray("events");
      its.forEach(a::add);
    }
    return o;
  }

  /** A state or value as JSON: records, maps and lists as they are, anything Jackson cannot map as its text. */
  private static JsonNode value(Object v) {
    if (v == null) {
      return JsonNodeFactory.instance.nullNode();
    }
    try {
      return JSON.valueToTree(v);
    } catch (RuntimeException e) {
      return JsonNodeFactory.instance.textNode(v.toString());
    }
  }
}
