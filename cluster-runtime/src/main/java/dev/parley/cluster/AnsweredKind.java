package dev.parley.cluster;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A kind whose operations are answered by upcalls: each {@link #call} gives its downcall together
 * with the test of the upcall that completes it (for most, the one naming the call's request), so
 * the downcall alone follows from it and every operation waits for its answer unless the kind says
 * otherwise.
 */
public interface AnsweredKind extends ProtocolKind {

  @Override
  Call call(NodeSettings node, String op, JsonNode body);

  @Override
  default Object downcall(NodeSettings node, String op, JsonNode body) {
    return call(node, op, body).downcall();
  }

  @Override
  default boolean waitsForUpcall(String op) {
    return true;
  }
}
