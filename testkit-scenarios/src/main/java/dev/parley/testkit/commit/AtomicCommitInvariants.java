package dev.parley.testkit.commit;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.TwoPhaseCommit.Participation;
import dev.parley.protocols.replication.TwoPhaseCommit.ParticipantState;
import dev.parley.protocols.replication.TwoPhaseCommit.TxOutcome;
import dev.parley.testkit.sim.Invariant;
import dev.parley.testkit.sim.SimView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Atomic commitment's safety checked after every simulated step of a two-phase-commit group, from
 * what its nodes report ({@link Participation} after each change a participant logged, {@link
 * TxOutcome} at the coordinator):
 *
 * <ul>
 *   <li><b>no mixed decision</b>: no transaction is committed at one node and aborted at another;
 *   <li><b>a decision is final</b>: a participant that decided never reports the other decision;
 *   <li><b>the coordinator agrees</b>: its outcome is the decision the participants apply.
 * </ul>
 *
 * Where {@code AtomicCommitChecker} judges the final records of a finished run, this stops the run at
 * the step that decides a transaction both ways. Give it per run: {@code
 * builder.freshInvariant(AtomicCommitInvariants::new)}. Cost: O(new upcalls) per step.
 */
public final class AtomicCommitInvariants implements Invariant {

  private final Map<NodeId, Integer> read = new HashMap<>();
  /** Each transaction's decision (true: commit) and the node that first reported it. */
  private final Map<String, Boolean> decisions = new HashMap<>();
  private final Map<String, NodeId> decidedBy = new HashMap<>();

  @Override
  public void check(SimView view) {
    for (NodeId node : view.nodes()) {
      List<Object> upcalls = view.upcalls(node);
      int from = read.getOrDefault(node, 0);
      for (int i = from; i < upcalls.size(); i++) {
        Object u = upcalls.get(i);
        if (u instanceof Participation p && (p.state() == ParticipantState.COMMIT || p.state() == ParticipantState.ABORT)) {
          decided(p.txId(), p.state() == ParticipantState.COMMIT, node, "participant");
        } else if (u instanceof TxOutcome o) {
          decided(o.txId(), o.committed(), node, "coordinator");
        }
      }
      read.put(node, upcalls.size());
    }
  }

  private void decided(String tx, boolean commit, NodeId node, String role) {
    Boolean before = decisions.putIfAbsent(tx, commit);
    if (before == null) {
      decidedBy.put(tx, node);
    } else if (before != commit) {
      throw new AssertionError("atomic commit violated: transaction " + tx + " is " + word(commit) + " at " + role
          + " " + node + " but " + word(before) + " at " + decidedBy.get(tx));
    }
  }

  private static String word(boolean commit) {
    return commit ? "committed" : "aborted";
  }
}
