package dev.parley.testkit.http;

import java.time.Duration;

/**
 * Clients of one protocol instance on a cluster, run by a {@link ClientHarness}: they start issuing
 * requests on {@link #start}, stop issuing new ones on {@link #stopIssuing}, and {@link #finish}
 * waits (bounded) for those in flight, does any final reads, and judges the history.
 */
public interface Workload {

  /** The name shown in reports, such as {@code kv}. */
  String name();

  /** Starts the clients against {@code nodes}; their choices are drawn from {@code seed}. */
  void start(HttpNodes nodes, long seed);

  /** Operations completed ok so far. */
  long ok();

  /** Stops issuing new operations; returns at once. */
  void stopIssuing();

  /** Waits at most about {@code max} for the clients, then checks what they recorded. */
  WorkloadResult finish(Duration max);
}
