package dev.parley.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP requests of one protocol instance that wait for their answers, each under the key its
 * answer will carry (a request id, a run or query number): an answering upcall goes to the requests
 * under its key and to no other, in O(1), and a request that gives up is forgotten. Two requests
 * under one key at once are the same request only if their fingerprints agree (a client repeating a
 * request while the first is open): then both get the answer; otherwise the second is refused before
 * anything is sent. Thread-safe.
 */
public final class Replies {

  /** A request under {@code key} is open already and is another request: {@code earlier} says which. */
  public static final class KeyInUse extends RuntimeException {
    private final transient Object earlier;

    KeyInUse(Object key, Object earlier) {
      super("a request under " + key + " is open already");
      this.earlier = earlier;
    }

    /** The open request's description, as given to {@link #await}. */
    public Object earlier() {
      return earlier;
    }
  }

  private static final class Waiting {
    final String fingerprint;
    final Object request;
    final List<CompletableFuture<Object>> answers = new ArrayList<>(1);

    Waiting(String fingerprint, Object request) {
      this.fingerprint = fingerprint;
      this.request = request;
    }
  }

  private final Map<Object, Waiting> waiting = new HashMap<>();

  /**
   * A future completed with the upcall answering {@code key}. {@code fingerprint} (null: the key is
   * fresh, no other request can share it) tells a repeated request from another one under the same
   * key; {@code request} describes it for the error another one would get.
   *
   * @throws KeyInUse if another request is open under {@code key}
   */
  public synchronized CompletableFuture<Object> await(Object key, String fingerprint, Object request) {
    Waiting w = waiting.get(key);
    if (w == null) {
      w = new Waiting(fingerprint, request);
      waiting.put(key, w);
    } else if (fingerprint == null || !fingerprint.equals(w.fingerprint)) {
      throw new KeyInUse(key, w.request);
    }
    CompletableFuture<Object> answer = new CompletableFuture<>();
    w.answers.add(answer);
    return answer;
  }

  /** Hands {@code upcall} to the requests waiting under {@code key} (none: nothing happens). */
  public void answer(Object key, Object upcall) {
    if (key == null) {
      return;
    }
    Waiting w;
    synchronized (this) {
      w = waiting.remove(key);
    }
    if (w != null) {
      w.answers.forEach(a -> a.complete(upcall));
    }
  }

  /** The request waiting on {@code answer} under {@code key} gives up (it timed out). */
  public synchronized void abandon(Object key, CompletableFuture<Object> answer) {
    Waiting w = waiting.get(key);
    if (w != null && w.answers.remove(answer) && w.answers.isEmpty()) {
      waiting.remove(key);
    }
  }

  /** How many keys have requests waiting. */
  public synchronized int open() {
    return waiting.size();
  }
}
