package com.example.inventory;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.cluster.KindProvider;
import dev.parley.cluster.ProtocolKind;
import dev.parley.cluster.StateMachineKind;
import java.util.List;

/**
 * {@link Inventory} on a Parley cluster, replicated by Raft: operations {@code restock}, {@code
 * reserve} and {@code count} (POST /protocols/NAME/OP with {@code {"item":"apple","units":3}}, and
 * {@code ?client=alice&seq=1} to make retries safe). Named in
 * META-INF/services/dev.parley.cluster.KindProvider; Raft's settings in section {@code
 * parley.kinds.inventory} (defaults in this jar's reference.conf).
 */
public final class InventoryKinds implements KindProvider {

  /** The body of {@code restock} and {@code reserve}: an item and how many of it (at least 1). */
  public record Units(@JsonProperty(required = true) String item, @JsonProperty(required = true) Long units) {
    public Units {
      if (units != null && units < 1) {
        throw new IllegalArgumentException("\"units\" must be a whole number from 1, got " + units);
      }
    }
  }

  /** The body of {@code count}: the item. */
  public record Item(@JsonProperty(required = true) String item) {}

  /** The kind: the machine, and how each operation's body becomes a command. */
  public static final StateMachineKind<?, Inventory.Command, Inventory.Reply> INVENTORY =
      StateMachineKind.of("inventory", "an inventory: stock of items and reservations against it, replicated by Raft",
              Inventory.machine())
          .operation("restock", Units.class, (id, body) -> new Inventory.Restock(id, body.item(), body.units()))
          .operation("reserve", Units.class, (id, body) -> new Inventory.Reserve(id, body.item(), body.units()))
          .operation("count", Item.class, (id, body) -> new Inventory.Count(id, body.item()))
          .showing(state -> state.state().units());

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(INVENTORY);
  }
}
