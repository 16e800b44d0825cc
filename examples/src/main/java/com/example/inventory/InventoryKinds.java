package com.example.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.JsonFields;
import dev.parley.cluster.KindProvider;
import dev.parley.cluster.ProtocolKind;
import dev.parley.cluster.StateMachineKind;
import java.util.List;

/**
 * {@link Inventory} on a Parley cluster, replicated by Raft: operations {@code restock}, {@code
 * reserve} and {@code count} (POST /protocols/NAME/OP with {@code {"item":"apple","units":3}}, and
 * {@code "client"} and {@code "seq"} to make retries safe). Named in
 * META-INF/services/dev.parley.cluster.KindProvider; Raft's settings in section {@code
 * parley.kinds.inventory} (defaults in this jar's reference.conf).
 */
public final class InventoryKinds implements KindProvider {

  /** The kind: the machine, and how each operation's JSON body becomes a command. */
  public static final StateMachineKind<?, Inventory.Command, Inventory.Reply> INVENTORY =
      StateMachineKind.of("inventory", "an inventory: stock of items and reservations against it, replicated by Raft",
              Inventory.machine())
          .operation("restock", (id, body) -> new Inventory.Restock(id, JsonFields.text(body, "item"), units(body)))
          .operation("reserve", (id, body) -> new Inventory.Reserve(id, JsonFields.text(body, "item"), units(body)))
          .operation("count", (id, body) -> new Inventory.Count(id, JsonFields.text(body, "item")))
          .showing(state -> state.state().units());

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(INVENTORY);
  }

  private static long units(JsonNode body) {
    return JsonFields.whole(body, "units", 1, Long.MAX_VALUE, 0);
  }
}
