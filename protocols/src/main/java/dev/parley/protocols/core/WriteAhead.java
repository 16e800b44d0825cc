package dev.parley.protocols.core;

import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EffectFactories;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Write-ahead for an event-sourced protocol: persist-then-act, and group commit. The one place the
 * protocols' incidental journal machinery is written, so each reads as its algorithm around it.
 *
 * <p>Persist-then-act ({@link #then}): what a protocol decided is written first, and it acts on it
 * (answers, sends, grants) only once the write completed, so a crash never forgets something the
 * protocol told anyone. With nothing to write it acts at once, on the state as it is.
 *
 * <p>Group commit ({@link Batch}): requests taken within a window go to disk as one write, and each
 * is acted on (answered) once that write completed. The first request taken starts the window; it
 * ends with the protocol's flush message, which the protocol hands to {@link Batch#write}. The
 * protocol may write earlier, with events of its own that must go now: the requests waiting go in
 * the same write, ahead of them. Requests that arrive while a write is under way wait for it (an
 * event-sourced behavior stashes its commands until its write completes), are taken after it and
 * go in the next write. A window of zero writes each request as it is taken (no batching, no wait).
 * The batch decides nothing about when a write is allowed: a protocol that caps its writes in
 * flight (Raft's pipelined batches) simply writes when it may, and {@link Batch#soon} gives it a
 * flush after the commands already in its mailbox.
 *
 * <p>Guarantees: a request's action runs only after the write that carries it completed, and the
 * actions of one write run in the order their requests were taken; a request withdrawn before its
 * write is neither written nor acted on; a crash before the write loses the requests waiting and
 * runs none of their actions, so nothing that was acknowledged is lost (requesters retry). The
 * requests waiting live in memory only: the protocol must treat them as not yet accepted (neither
 * reported nor depended on). Cost: one journal write per window instead of one per request; a
 * request waits up to the window for its write; memory for the requests of one window.
 *
 * @param <C> the protocol's command type (its flush message is one)
 * @param <E> the protocol's event type
 * @param <S> the protocol's state type
 */
public final class WriteAhead<C, E, S> {

  private final EffectFactories<E, S> effects;

  /** Write-ahead through the effects of the protocol ({@code Effect()} of its behavior). */
  public WriteAhead(EffectFactories<E, S> effects) {
    this.effects = Objects.requireNonNull(effects, "effects");
  }

  /** Nothing to write and nothing to do. */
  public Effect<E, S> none() {
    return effects.none();
  }

  /** Writes {@code event}, then acts on the state after it. */
  public Effect<E, S> then(E event, Consumer<S> act) {
    return effects.persist(event).thenRun(act::accept);
  }

  /**
   * Writes {@code events} as one atomic write, then acts on the state after them; with none to
   * write, acts once the handler returns, on the state as it is.
   */
  public Effect<E, S> then(List<E> events, Consumer<S> act) {
    return (events.isEmpty() ? effects.none() : effects.persist(events)).thenRun(act::accept);
  }

  /**
   * Writes {@code events} as one atomic write, then acts on the state after them; with none to
   * write, acts at once (within the handler) on {@code unchanged}.
   */
  public Effect<E, S> then(List<E> events, S unchanged, Consumer<S> act) {
    if (events.isEmpty()) {
      act.accept(unchanged);
      return effects.none();
    }
    return effects.persist(events).thenRun(act::accept);
  }

  /** Writes {@code events} (none: nothing), with nothing to do after. */
  public Effect<E, S> write(List<E> events) {
    return events.isEmpty() ? effects.none() : effects.persist(events);
  }

  /**
   * A group commit of requests of type {@code R}: {@code events} turns the requests of one write
   * into what is written (given the state before it); {@code flush}, sent to the protocol when a
   * window ends, is also the window timer's key.
   */
  public <R> Batch<R> batch(
      TimerScheduler<C> timers, C flush, Duration window, BiFunction<S, List<R>, List<E>> events) {
    return new Batch<>(timers, flush, window, events);
  }

  /** Requests waiting to be written together; see {@link WriteAhead}. */
  public final class Batch<R> {

    private record Taken<R, S>(R request, Consumer<S> act) {}

    private final TimerScheduler<C> timers;
    private final C flush;
    private final Duration window;
    private final BiFunction<S, List<R>, List<E>> events;
    private final List<Taken<R, S>> taken = new ArrayList<>();
    private final List<R> requests = new ArrayList<>();
    private final List<R> requestsView = Collections.unmodifiableList(requests);
    private final List<Consumer<S>> alsoAfter = new ArrayList<>();
    private boolean scheduled;

    private Batch(TimerScheduler<C> timers, C flush, Duration window, BiFunction<S, List<R>, List<E>> events) {
      if (window == null || window.isNegative()) {
        throw new IllegalArgumentException("a group commit's window must not be negative, got " + window);
      }
      this.timers = Objects.requireNonNull(timers, "timers");
      this.flush = Objects.requireNonNull(flush, "flush");
      this.window = window;
      this.events = Objects.requireNonNull(events, "events");
    }

    /** Takes {@code request} into the next write; {@code act} runs once it is written. */
    public void take(R request, Consumer<S> act) {
      taken.add(new Taken<>(request, act));
      requests.add(request);
    }

    /** Takes {@code request} into the next write, with nothing to do once it is written. */
    public void take(R request) {
      take(request, null);
    }

    /** Runs {@code act} once the next write completed (answering a copy of a request waiting). */
    public void whenWritten(Consumer<S> act) {
      alsoAfter.add(act);
    }

    /** Withdraws the waiting requests {@code which} matches: neither written nor acted on. */
    public void withdraw(Predicate<R> which) {
      taken.removeIf(t -> which.test(t.request()));
      requests.removeIf(which);
    }

    /** The requests waiting, in the order they were taken (a read-only view). */
    public List<R> waiting() {
      return requestsView;
    }

    /**
     * After a take: with a window of zero, writes now; otherwise starts the window (if it is not
     * running already) and writes nothing yet.
     */
    public Effect<E, S> due(S state) {
      if (window.isZero()) {
        return write(state, List.of(), null);
      }
      if (!scheduled) {
        scheduled = true;
        timers.startSingleTimer(flush, window);
      }
      return effects.none();
    }

    /** Sends the flush message after the commands already in the mailbox, whatever the window. */
    public void soon() {
      scheduled = true;
      timers.startSingleTimer(flush, Duration.ZERO);
    }

    /** The window ended: writes what is waiting. */
    public Effect<E, S> flushed(S state) {
      return write(state, List.of(), null);
    }

    /**
     * One write: the requests waiting, then {@code more}; once written, the requests' actions in
     * the order taken, then those of {@link #whenWritten}, then {@code then} (may be null). With
     * nothing to write, nothing is written and the actions run at once on {@code state}.
     */
    public Effect<E, S> write(S state, List<E> more, Consumer<S> then) {
      if (scheduled) {
        timers.cancel(flush);
        scheduled = false;
      }
      List<E> all = new ArrayList<>(requests.isEmpty() ? List.of() : events.apply(state, List.copyOf(requests)));
      all.addAll(more);
      List<Consumer<S>> acts = new ArrayList<>(taken.size() + alsoAfter.size() + 1);
      taken.forEach(t -> acts.add(t.act()));
      acts.addAll(alsoAfter);
      acts.add(then);
      taken.clear();
      requests.clear();
      alsoAfter.clear();
      if (all.isEmpty() && acts.stream().allMatch(Objects::isNull)) {
        return effects.none();
      }
      return then(all, state, after -> acts.forEach(act -> {
        if (act != null) {
          act.accept(after);
        }
      }));
    }
  }
}
