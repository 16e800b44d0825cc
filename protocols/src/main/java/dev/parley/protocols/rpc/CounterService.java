package dev.parley.protocols.rpc;

import dev.parley.protocols.core.WireMessage;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small bank of accounts: {@link Deposit} is not idempotent (two executions add twice), {@link
 * Balance} is. Its effects can be counted: an account's balance is the sum of the deposits executed.
 */
public final class CounterService implements RpcService<CounterService.Accounts> {

  /** Adds {@code amount} to {@code account}; answers the new balance. */
  public record Deposit(String account, long amount) implements WireMessage {}

  /** Reads the balance of {@code account}. */
  public record Balance(String account) implements WireMessage {}

  /** A balance. */
  public record Amount(long value) implements WireMessage {}

  /** Balances by account. */
  public record Accounts(Map<String, Long> balances) implements WireMessage {
    public Accounts {
      balances = Map.copyOf(balances);
    }

    public long balance(String account) {
      return balances.getOrDefault(account, 0L);
    }
  }

  public static final CounterService INSTANCE = new CounterService();

  @Override
  public Accounts initial() {
    return new Accounts(Map.of());
  }

  @Override
  public Outcome<Accounts> execute(Accounts state, WireMessage request) {
    if (request instanceof Deposit d) {
      TreeMap<String, Long> next = new TreeMap<>(state.balances());
      long balance = state.balance(d.account()) + d.amount();
      next.put(d.account(), balance);
      return new Outcome<>(new Accounts(next), new Amount(balance));
    }
    if (request instanceof Balance b) {
      return new Outcome<>(state, new Amount(state.balance(b.account())));
    }
    throw new IllegalArgumentException("the counter service does not know " + request);
  }
}
