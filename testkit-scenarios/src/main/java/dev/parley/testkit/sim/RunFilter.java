package dev.parley.testkit.sim;

import dev.parley.protocols.link.FaultPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What of a seeded run a shrink keeps ({@link Shrinker}): every choice of the run has a number, in
 * the order the run meets it, in one of three kinds — a scripted event (a client request, a nemesis
 * action, a crash or restart a spec scheduled), a faulted message (one the link lost, duplicated or
 * garbled) and a delayed message (one that took more than no time) — and the {@link ShrinkMask}
 * says which of each to keep. A scripted event not kept is not scheduled; a faulted message not kept
 * arrives once, intact; a delayed message not kept arrives at once. The numbers count across every
 * simulation the run builds, so the filter belongs to a run, not to one simulation.
 *
 * <p>The filter of the run under way is the calling thread's ({@link #current}); outside a shrink it
 * keeps everything and only counts.
 */
final class RunFilter {

  private static final ThreadLocal<RunFilter> CURRENT = new ThreadLocal<>();

  final ShrinkMask mask;
  final boolean traceAll;
  int events;
  int faults;
  int delays;
  /** What the run said about itself (a swarm's draw), for a failing seed's report. */
  final List<String> notes = new ArrayList<>();

  RunFilter(ShrinkMask mask, boolean traceAll) {
    this.mask = mask;
    this.traceAll = traceAll;
  }

  /** The filter of the run on this thread, or one that keeps everything. */
  static RunFilter current() {
    RunFilter f = CURRENT.get();
    return f != null ? f : new RunFilter(ShrinkMask.ALL, false);
  }

  /** Runs {@code run} under {@code filter}; returns what it threw, or null if it passed. */
  static Throwable under(RunFilter filter, Simulations.SeedBody body, long seed) {
    RunFilter before = CURRENT.get();
    CURRENT.set(filter);
    try {
      body.run(seed);
      return null;
    } catch (Error e) {
      if (!(e instanceof AssertionError)) {
        throw e;
      }
      return e;
    } catch (Exception e) {
      return e;
    } finally {
      CURRENT.set(before);
    }
  }

  /** The trace of the last simulation the run built (kept in full when {@link #traceAll}), or null. */
  Trace lastTrace;

  /** The last simulation the run built, or null: a failing seed's, replayed traced, for its explorer page. */
  Simulation<?> lastSimulation;

  /** Adds {@code note} to what a failing seed's report says of its run. */
  void note(String note) {
    if (!notes.contains(note)) {
      notes.add(note);
    }
  }

  /** Whether the next scripted event happens. */
  boolean keepEvent() {
    return mask.events().contains(events++);
  }

  /** The fate of a message as the link drew it, or the plain one if the shrink drops its fault or delay. */
  List<FaultPlan.Delivery> fate(List<FaultPlan.Delivery> drawn) {
    boolean faulted = drawn.size() != 1 || drawn.get(0).corrupted();
    if (faulted && !mask.faults().contains(faults++)) {
      Duration delay = drawn.isEmpty() ? Duration.ZERO : drawn.get(0).delay();
      drawn = List.of(new FaultPlan.Delivery(delay, false));
    }
    if (drawn.size() == 1 && !drawn.get(0).delay().isZero() && !mask.delays().contains(delays++)) {
      drawn = List.of(new FaultPlan.Delivery(Duration.ZERO, drawn.get(0).corrupted()));
    }
    return drawn;
  }
}
