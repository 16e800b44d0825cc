package dev.parley.example;

import dev.parley.protocols.core.Fingerprint;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.ClientSessions;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine;
import dev.parley.protocols.replication.StateMachine;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A user's state machine for Raft: a bank of accounts with transfers between them.
 *
 * <p>Model: a fixed set of accounts, each opened with the same balance; a transfer moves an amount
 * from one account to another if the first holds enough, else it is refused; an audit reads every
 * balance at once. Deterministic: a transfer's outcome depends only on the balances and the command.
 * Guarantee, once replicated by Raft: the bank is linearizable, so money is never created or lost
 * and every audit sums to the same total. Client sessions ({@link SessionStateMachine}) make a
 * retried transfer (same request id) move the money once. Cost: a transfer copies the table of
 * balances.
 */
public final class Bank {

  private Bank() {}

  /** What a client asks the bank, numbered by its {@link RequestId} so a retry is recognised. */
  public sealed interface Command extends ClientRequest permits Transfer, Audit {}

  /** Move {@code amount} from account {@code from} to account {@code to}. */
  public record Transfer(RequestId id, String from, String to, long amount) implements Command {
    @Override
    public String fingerprint() {
      return Fingerprint.of("transfer", from, to, Long.toString(amount));
    }

    @Override
    public String describe() {
      return ClientRequest.describe("transfer", "account", from);
    }

    @Override
    public boolean isWrite() {
      return true;
    }
  }

  /** Read every balance. */
  public record Audit(RequestId id) implements Command {
    @Override
    public String fingerprint() {
      return Fingerprint.of("audit");
    }

    @Override
    public String describe() {
      return "an audit";
    }

    @Override
    public boolean isWrite() {
      return false;
    }
  }

  /** The bank's answers. */
  public sealed interface Reply extends WireMessage permits Transferred, Refused, Balances, Rejected {}

  /** The transfer took place. */
  public record Transferred(RequestId id) implements Reply {}

  /** The transfer was refused without effect: {@code from} held less than the amount. */
  public record Refused(RequestId id, long balance) implements Reply {}

  /** Every account's balance, in account order. */
  public record Balances(RequestId id, Map<String, Long> balances) implements Reply {}

  /** Refused by the client sessions (another request under a used id, or one too old). */
  public record Rejected(RequestId id, ClientSessions.Why why, String reason) implements Reply {}

  /** The balances by account, in account order. */
  public record State(Map<String, Long> balances) implements WireMessage {
    public State {
      balances = new TreeMap<>(balances);
    }
  }

  /** The bank without sessions: accounts {@code accounts}, each opened with {@code opening}. */
  public static StateMachine<State, Command, Reply> accounts(List<String> accounts, long opening) {
    return new StateMachine<>() {
      @Override
      public State initialState() {
        Map<String, Long> balances = new TreeMap<>();
        accounts.forEach(a -> balances.put(a, opening));
        return new State(balances);
      }

      @Override
      public Applied<State, Reply> apply(State state, Command command) {
        if (command instanceof Audit a) {
          return new Applied<>(state, new Balances(a.id(), state.balances()));
        }
        Transfer t = (Transfer) command;
        long from = state.balances().getOrDefault(t.from(), 0L);
        if (from < t.amount()) {
          return new Applied<>(state, new Refused(t.id(), from));
        }
        Map<String, Long> next = new TreeMap<>(state.balances());
        next.put(t.from(), from - t.amount());
        next.merge(t.to(), t.amount(), Long::sum);
        return new Applied<>(new State(next), new Transferred(t.id()));
      }
    };
  }

  /** The bank with client sessions: what Raft replicates. */
  public static SessionStateMachine<State, Command, Reply> withSessions(List<String> accounts, long opening) {
    return SessionStateMachine.wrap(accounts(accounts, opening),
        (request, why, reason) -> new Rejected(request.id(), why, reason));
  }
}
