package dev.parley.protocols.replication;

import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Event;
import dev.parley.protocols.replication.PrimaryBackup.Fetch;
import dev.parley.protocols.replication.PrimaryBackup.FetchedChunk;
import dev.parley.protocols.replication.PrimaryBackup.Prepare;
import dev.parley.protocols.replication.PrimaryBackup.Promise;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.State;
import dev.parley.protocols.replication.PrimaryBackup.StateInstalled;
import dev.parley.protocols.replication.PrimaryBackup.Timer;
import dev.parley.protocols.replication.PrimaryBackup.ViewAdopted;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The view change of {@link PrimaryBackup} (whose head comment has the model, guarantees and cost):
 * how a node suspects its primary, proposes a view, promises a candidate, and how a candidate
 * promised by a majority chooses the state it serves from. Both sides are here: the candidate
 * ({@link #propose}, {@link #onPromise}, {@link #onFetchedChunk}, {@link #keepFetching}) and the
 * promiser ({@link #onPrepare}, {@link #serve}); the chosen state's transfer is {@link StateFetch}.
 * The node's role (primary, backup, candidate) stays with {@link PrimaryBackupNode}, which calls
 * the candidate's side only while it is one.
 *
 * <p>A backup that hears nothing from a primary for a random timeout in [{@code suspectMin}, {@code
 * suspectMax}) proposes view v+1 with itself as primary ({@link Prepare}). A node promises at most
 * one candidate per view and, once it has promised a view, refuses anything of an older one; its
 * promise says how advanced its state is: the last view whose state it installed and its sequence
 * number. A candidate promised by a majority (itself included) chooses the most advanced of those
 * states (latest view, then longest; its own on a tie). If that is its own, it installs it at once;
 * otherwise it fetches the chosen promiser's state in chunks ({@link Fetch}, answered {@link
 * FetchedChunk}) and installs it once whole, meanwhile preparing the view again every heartbeat so
 * that its promisers do not suspect it; a fetch from which nothing arrives for a suspect timeout
 * ends with the candidate proposing a newer view. A promise carries no store, only how advanced the
 * promiser's state is, and the state fetched comes in chunks of {@code maxMessageBytes}, so a view
 * change completes with a store of any size.
 *
 * <p>Each step is split in two, as in {@link BackupRole}: what to journal ({@link #onPrepare}, {@link
 * #onPromise}, {@link #onFetchedChunk}: the events, or null when there is nothing to write) and what
 * to do once it is journaled ({@link #promise}; the view a candidate installed, {@link
 * PrimaryBackupNode} starts), so that no promise is made and no view served before it is on disk.
 *
 * <p>Why nothing acknowledged is lost: a request acknowledged in view v was applied by all of v's
 * backups, which with the primary are a majority, before any of them promised a newer view; every
 * majority promising v+1 includes one of them, so the chosen state (the most advanced of a
 * majority's) holds it, and every later view starts from a state that holds it. The state fetched is
 * the one promised: a promiser serves only the candidate it promised in its current view, and only
 * the installed view and sequence number it promised (else it refuses, naming its view), and while
 * it keeps that promise its state cannot change (it refuses every older view's primary, and the
 * only primary of that view is the candidate, which sends nothing before it serves); a transfer's
 * bytes are serialized once, when it starts, and a promiser that moves on to a newer view meanwhile
 * refuses the rest, which deposes the candidate. At most one primary per view: a candidate serves
 * only once a majority promised it, and two majorities share a node, which promises one candidate
 * per view.
 *
 * <p>Cost: a Prepare and a Promise per other node per view proposed, plus, while the candidate
 * fetches, a Prepare to each promiser per heartbeat and the chosen state's bytes once ({@link
 * StateFetch}). Memory: the promises of the view proposed.
 */
final class ViewChange {

  private final Peers<Command> peers;
  private final TimerScheduler<Command> timers;
  private final NodeEnv env;
  private final Settings settings;
  private final StateFetch fetch;
  /** The promises the candidate holds for its view, its own included (empty when not a candidate). */
  private final Map<NodeId, Promise> promises = new HashMap<>();

  /** @param codec serializes the state served and reads the state fetched */
  ViewChange(Peers<Command> peers, TimerScheduler<Command> timers, NodeEnv env, Settings settings,
      Supplier<PayloadCodec> codec) {
    this.peers = peers;
    this.timers = timers;
    this.env = env;
    this.settings = settings;
    this.fetch = new StateFetch(peers, codec, env.random(), settings.maxMessageBytes());
  }

  /** How many nodes make a majority of the group. */
  int quorum() {
    return peers.size() / 2 + 1;
  }

  /** (Re)starts the wait, a random timeout, after which this node suspects the primary. */
  void resetSuspectTimer() {
    long min = settings.suspectMin().toNanos();
    long span = settings.suspectMax().toNanos() - min;
    timers.startSingleTimer(Timer.SUSPECT, Duration.ofNanos(min + (long) (env.random().nextDouble() * span)));
  }

  // ---------------------------------------------------------------- the candidate

  /** This node adopted {@code state}'s view as its candidate: it promises itself and asks the others. */
  void propose(State state) {
    stopFetching();
    promises.clear();
    promises.put(self(), promiseOf(state));
    resetSuspectTimer();
    peers.tellOthers(new Prepare(state.view(), self()));
  }

  /**
   * A promise to this candidate: once a majority granted its view, the state it serves from. Its own
   * when that is the most advanced: the event that installs it, to write before it serves; null
   * while promises are missing, or when it fetches another's (the fetch then starts).
   */
  StateInstalled onPromise(State state, Promise pr) {
    if (pr.view() != state.view() || !pr.granted() || fetch.fetching()) {
      return null;
    }
    promises.put(pr.from(), pr);
    if (promises.size() < quorum()) {
      return null;
    }
    Promise best = promises.values().stream()
        .max(Comparator.comparingLong(Promise::installedView).thenComparingLong(Promise::seq))
        .orElseThrow();
    if (best.installedView() == state.installedView() && best.seq() == state.seq()) {
      return new StateInstalled(state.view(), state.seq(), state.store());
    }
    fetch.start(state.view(), best);
    timers.startTimerWithFixedDelay(Timer.FETCH, settings.heartbeat());
    return null;
  }

  /**
   * A piece of the state this candidate fetches: while it comes, the candidate waits; once whole,
   * the event that installs it, to write before it serves (else null).
   */
  StateInstalled onFetchedChunk(State state, FetchedChunk c) {
    if (c.view() != state.view() || !fetch.wants(c)) {
      return null;
    }
    resetSuspectTimer();
    KvStore store = fetch.accept(c);
    if (store == null) {
      return null;
    }
    timers.cancel(Timer.FETCH);
    return new StateInstalled(state.view(), c.seq(), store);
  }

  /**
   * The fetch's timer: asks the source again (its retransmission tick) and prepares the view again
   * at the nodes that promised it, which keeps them from suspecting this candidate meanwhile; the
   * timer ends when this node is no longer a {@code candidate} or no longer fetches.
   */
  void keepFetching(State state, boolean candidate) {
    if (!candidate || !fetch.fetching()) {
      timers.cancel(Timer.FETCH);
      return;
    }
    fetch.tick();
    Prepare again = new Prepare(state.view(), self());
    promises.keySet().stream().filter(n -> !n.equals(self())).forEach(n -> peers.tell(n, again));
  }

  /**
   * The candidate starts its view: the view change is over. Returns the nodes that promised it
   * (itself included): the others are the view's first backups.
   */
  List<NodeId> won() {
    stopFetching();
    timers.cancel(Timer.SUSPECT);
    List<NodeId> promised = List.copyOf(promises.keySet());
    promises.clear();
    return promised;
  }

  private void stopFetching() {
    fetch.stop();
    timers.cancel(Timer.FETCH);
  }

  // ---------------------------------------------------------------- the promiser

  /**
   * {@code p}'s candidate asks for this node's promise: the events that promise it (none when it is
   * promised already); null if refused (answered with this node's view).
   */
  List<Event> onPrepare(State state, Prepare p) {
    if (p.view() < state.view()
        || (p.view() == state.view() && state.promised() != null && !state.promised().equals(p.candidate()))) {
      peers.tell(p.candidate(), new Promise(state.view(), self(), false, 0, 0));
      return null;
    }
    return p.view() > state.view() || state.promised() == null
        ? List.of(new ViewAdopted(p.view(), p.candidate())) : List.of();
  }

  /** Once {@code p}'s promise is journaled: sends it, saying how advanced this node's state is. */
  void promise(State after, Prepare p) {
    peers.tell(p.candidate(), promiseOf(after));
  }

  /** A candidate reads this node's promised state (see {@link StateFetch}). */
  void serve(State state, Fetch f) {
    fetch.serve(state, f);
  }

  /**
   * This node becomes (or stays) a backup following {@code primary} (null: unknown): it fetches
   * nothing any more, serves no candidate once it follows a primary, and waits to suspect it.
   */
  void follow(NodeId primary) {
    stopFetching();
    if (primary != null) {
      fetch.stopServing();
    }
    resetSuspectTimer();
  }

  private Promise promiseOf(State state) {
    return new Promise(state.view(), self(), true, state.installedView(), state.seq());
  }

  private NodeId self() {
    return peers.self();
  }
}
