package com.example.inventory;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.ClientSessions;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine;
import dev.parley.protocols.replication.StateMachine;
import java.util.Map;
import java.util.TreeMap;

/**
 * A user's state machine for Raft: an inventory, the units of each item in stock, and reservations
 * taken against it.
 *
 * <p>Model: items are named by strings and start with no units. A restock adds units to an item; a
 * reservation takes units from it if that many are in stock, else it is refused and takes nothing; a
 * count reads an item's units. Deterministic: an outcome depends only on the stock and the command.
 * Guarantees, once replicated by Raft: linearizable, so no item is ever reserved beyond its stock
 * (the count never goes below zero) and every acknowledged restock or reservation counts exactly
 * once, a retry under the same request id included (client sessions, {@link SessionStateMachine}).
 * Cost: a write copies the table of items.
 */
public final class Inventory {

  private Inventory() {}

  /** What a client asks, numbered by its {@link RequestId} so a retry is recognised. */
  public sealed interface Command extends ClientRequest permits Restock, Reserve, Count {}

  /** Add {@code units} (at least 1) of {@code item} to the stock. */
  public record Restock(RequestId id, String item, long units) implements Command {
    public Restock {
      requireUnits("a restock", units);
    }

    @Override
    public String fingerprint() {
      return Fingerprint.of("restock", item, Long.toString(units));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("restock", "item", item);
    }

    @Override
    public boolean isWrite() {
      return true;
    }
  }

  /** Take {@code units} (at least 1) of {@code item} from the stock, if that many are there. */
  public record Reserve(RequestId id, String item, long units) implements Command {
    public Reserve {
      requireUnits("a reservation", units);
    }

    @Override
    public String fingerprint() {
      return Fingerprint.of("reserve", item, Long.toString(units));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("reservation", "item", item);
    }

    @Override
    public boolean isWrite() {
      return true;
    }
  }

  /** Read how many units of {@code item} are in stock. */
  public record Count(RequestId id, String item) implements Command {
    @Override
    public String fingerprint() {
      return Fingerprint.of("count", item);
    }

    @Override
    public String describe() {
      return ClientRequest.describe("count", "item", item);
    }

    @Override
    public boolean isWrite() {
      return false;
    }
  }

  private static void requireUnits(String what, long units) {
    if (units < 1) {
      throw new IllegalArgumentException(what + " needs \"units\", a whole number of at least 1, got " + units);
    }
  }

  /** The inventory's answers; typed on the wire, since the sessions keep them to answer retries. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Restocked.class, name = "restocked"),
    @JsonSubTypes.Type(value = Reserved.class, name = "reserved"),
    @JsonSubTypes.Type(value = Refused.class, name = "refused"),
    @JsonSubTypes.Type(value = Units.class, name = "units"),
    @JsonSubTypes.Type(value = Rejected.class, name = "rejected")
  })
  public sealed interface Reply extends WireMessage permits Restocked, Reserved, Refused, Units, Rejected {}

  /** The restock took place: {@code item} now has {@code units} in stock. */
  public record Restocked(RequestId id, String item, long units) implements Reply {}

  /** The reservation took place: {@code left} units of {@code item} remain. */
  public record Reserved(RequestId id, String item, long left) implements Reply {}

  /** The reservation was refused without effect: only {@code units} of {@code item} are in stock. */
  public record Refused(RequestId id, String item, long units) implements Reply {}

  /** {@code item} has {@code units} in stock. */
  public record Units(RequestId id, String item, long units) implements Reply {}

  /** Refused by the client sessions (another request under a used id, or one too old). */
  public record Rejected(RequestId id, ClientSessions.Why why, String reason) implements Reply {}

  /** The units of each item in stock, by item. */
  public record Stock(Map<String, Long> units) implements WireMessage {
    public static final Stock EMPTY = new Stock(Map.of());

    public Stock {
      units = new TreeMap<>(units);
    }

    long of(String item) {
      return units.getOrDefault(item, 0L);
    }

    Stock with(String item, long n) {
      Map<String, Long> next = new TreeMap<>(units);
      next.put(item, n);
      return new Stock(next);
    }
  }

  /** The inventory without sessions: a retried write is applied again. */
  public static final StateMachine<Stock, Command, Reply> STOCK = StateMachine.of(Stock.EMPTY, Inventory::apply);

  /** The inventory with client sessions: what Raft replicates. */
  public static SessionStateMachine<Stock, Command, Reply> machine() {
    return SessionStateMachine.wrap(STOCK, (request, why, reason) -> new Rejected(request.id(), why, reason));
  }

  private static StateMachine.Applied<Stock, Reply> apply(Stock stock, Command command) {
    if (command instanceof Restock r) {
      long units = Math.addExact(stock.of(r.item()), r.units()); // past Long.MAX_VALUE: throws, no effect
      return new StateMachine.Applied<>(stock.with(r.item(), units), new Restocked(r.id(), r.item(), units));
    } else if (command instanceof Reserve r) {
      long units = stock.of(r.item());
      if (units < r.units()) {
        return new StateMachine.Applied<>(stock, new Refused(r.id(), r.item(), units));
      }
      return new StateMachine.Applied<>(stock.with(r.item(), units - r.units()),
          new Reserved(r.id(), r.item(), units - r.units()));
    }
    Count c = (Count) command;
    return new StateMachine.Applied<>(stock, new Units(c.id(), c.item(), stock.of(c.item())));
  }
}
