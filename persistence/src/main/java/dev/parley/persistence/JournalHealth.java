package dev.parley.persistence;

import akka.actor.AbstractExtensionId;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.actor.ExtensionIdProvider;
import akka.actor.typed.javadsl.Adapter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether a node's journal takes writes, as its status and HTTP answers say it: one per actor
 * system (an Akka extension), set by the journal that knows (the file journal), read by the node.
 *
 * <p>States: {@code ok}; {@code refusing writes} (a write failed cleanly, e.g. the disk is full:
 * nothing of it was kept, the journal refuses writes until one succeeds, and probes for room by
 * itself); {@code failed} (a force failed: the device's state is unknown, the journal takes no more
 * writes until the node restarts); {@code not tracked} (no journal that reports has started: a
 * backend that does not report, such as the JDBC ones, or a file journal no protocol has used yet). Each state but {@code ok} carries its reason and since when. Thread-safe: one
 * volatile snapshot; cost none beyond a state change. It also counts the journal's forces ({@link
 * #forces}: one counter increment per force), which {@code GET /status} shows beside the state.
 */
public final class JournalHealth implements Extension {

  /** One state of the journal; {@code reason}, {@code since} and {@code todo} are null when ok. */
  public record State(String state, String reason, Instant since, String todo) {

    public boolean takesWrites() {
      return state.equals(OK) || state.equals(NOT_TRACKED);
    }

    /** The state as the node's status shows it. */
    public Map<String, Object> shown() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("state", state);
      if (reason != null) {
        out.put("reason", reason);
        out.put("since", since.toString());
        out.put("todo", todo);
      }
      return out;
    }
  }

  public static final String OK = "ok";
  public static final String REFUSING = "refusing writes";
  public static final String FAILED = "failed";
  public static final String NOT_TRACKED = "not tracked";

  private static final class Id extends AbstractExtensionId<JournalHealth> implements ExtensionIdProvider {
    static final Id INSTANCE = new Id();

    @Override
    public JournalHealth createExtension(ExtendedActorSystem system) {
      return new JournalHealth();
    }

    @Override
    public Id lookup() {
      return INSTANCE;
    }
  }

  private volatile State state = new State(NOT_TRACKED, null, null, null);
  private final LongAdder forces = new LongAdder();

  /** A health of its own, not an actor system's (for tools and tests); {@link #get} is the node's. */
  public JournalHealth() {}

  /** The journal health of {@code system}. */
  public static JournalHealth get(akka.actor.ActorSystem system) {
    return Id.INSTANCE.get(system);
  }

  /** The journal health of {@code system}. */
  public static JournalHealth get(akka.actor.typed.ActorSystem<?> system) {
    return get(Adapter.toClassic(system));
  }

  public State state() {
    return state;
  }

  /** Why writes are refused now, with what to do, if they are. */
  public Optional<String> refusal() {
    State s = state;
    return s.takesWrites() ? Optional.empty() : Optional.of("this node's journal is " + s.state() + " since "
        + s.since() + ": " + s.reason() + "; " + s.todo());
  }

  /**
   * How many times the journal forced its writes to the device since the node started (one per
   * group commit); 0 for a journal that does not report (the JDBC ones).
   */
  public long forces() {
    return forces.sum();
  }

  /** The journal forced a group of writes to the device (called once per force, by the journal). */
  public void forced() {
    forces.increment();
  }

  /** The journal took a write. */
  public void ok() {
    if (!state.state().equals(OK)) {
      state = new State(OK, null, null, null);
    }
  }

  /** A write failed cleanly: writes are refused until one succeeds; {@code todo} says what helps. */
  public void refusing(String reason, String todo) {
    if (!state.state().equals(REFUSING) || !state.reason().equals(reason)) {
      state = new State(REFUSING, reason, Instant.now(), todo);
    }
  }

  /** The journal takes no more writes until the node restarts. */
  public void failed(String reason, String todo) {
    state = new State(FAILED, reason, Instant.now(), todo);
  }
}
