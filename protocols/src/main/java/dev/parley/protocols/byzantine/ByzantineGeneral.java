package dev.parley.protocols.byzantine;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One node's part of one Byzantine agreement run (OM(m) or SM(m)) as plain state, so that either
 * its own behavior or {@link ByzantineRuns} (many runs in one actor) can host it. The host gives it
 * the common start of round 1, every message of the algorithm that arrives, and the end of the last
 * round, {@link #decisionDelay()} after the start; the part sends and tells its decision through
 * the functions it was made with. What both algorithms share is here: who the node is among whom,
 * who commands, whether the node is a traitor and how, and that round 1 begins once.
 */
public abstract sealed class ByzantineGeneral permits OralMessages.General, SignedMessages.General {

  protected final NodeId self;
  protected final List<NodeId> members;
  protected final NodeId commander;
  protected final int m;
  /** How this node lies, or null if it is loyal. */
  protected final Traitor traitor;
  private final Duration roundTimeout;
  private boolean started;

  protected ByzantineGeneral(NodeId self, Collection<NodeId> members, NodeId commander, int m,
      Map<NodeId, Traitor> traitors, Duration roundTimeout) {
    this.self = self;
    this.members = List.copyOf(new TreeSet<>(members));
    this.commander = commander;
    this.m = m;
    this.traitor = traitors.get(self);
    this.roundTimeout = roundTimeout;
  }

  protected boolean isCommander() {
    return self.equals(commander);
  }

  /** Round 1 begins (the commander orders {@code value}); false if it had begun already. */
  public final boolean start(int value) {
    if (started) {
      return false;
    }
    started = true;
    if (isCommander()) {
      command(value);
    }
    return true;
  }

  /** Round 1 at the commander: it sends its order {@code value} (a traitor, what it likes). */
  protected abstract void command(int value);

  /** A message of the algorithm arrived (anything else is ignored). */
  public abstract void receive(WireMessage message);

  /** The last round is over: a lieutenant decides. */
  public abstract void decide();

  /** How long after the start the last round is over: m + 1 rounds. */
  public Duration decisionDelay() {
    return roundTimeout.multipliedBy(m + 1);
  }

  /** How many messages this node sent. */
  public abstract int sent();
}
