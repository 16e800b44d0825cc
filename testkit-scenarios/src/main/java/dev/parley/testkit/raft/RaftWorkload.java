package dev.parley.testkit.raft;

import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Clients of any state machine replicated by {@link Raft} in the deterministic simulation, Jepsen
 * style: each client runs one command at a time, recorded as invoke and ok / fail / info in a {@link
 * History} at virtual times, ready for {@code LinearizabilityChecker.forModel(yourModel)}. The
 * replicas are made with {@code Raft.create(group, peers, env, settings, machine, upcalls)}, whose
 * upcalls ({@link Raft.Answered}, {@link Raft.NotLeader}, {@link Raft.Failed}) this workload reads.
 *
 * <pre>{@code
 * History h = RaftWorkload.of(sim, (id, random) -> RaftWorkload.Invocation.of(new Count(id, "apple"), "count", "apple"))
 *     .outcomes(reply -> RaftWorkload.Outcome.ok(((Units) reply).units()))
 *     .clients(4).operations(50).run(Duration.ofSeconds(60));
 * }</pre>
 *
 * <p>A client gives its command to a node drawn at random; {@link Raft.NotLeader} sends the same
 * command (same request id, so a machine with client sessions applies it once) to the leader it
 * names, or the next node; silence for {@code timeout} sends it to the next node, up to {@code
 * tries} times, after which the operation is recorded of unknown outcome (info). {@link Raft.Failed}
 * (the machine threw; no effect) is recorded as a fail. Choices come from a random seeded by the
 * run's seed, so a seed replays exactly.
 *
 * @param <C> the machine's commands
 */
public final class RaftWorkload<C extends ClientRequest> {

  /** A command to run, and how the history names it: operation {@code f} with {@code argument}. */
  public record Invocation<C>(C command, String f, Object argument) {
    public static <C> Invocation<C> of(C command, String f, Object argument) {
      return new Invocation<>(command, f, argument);
    }
  }

  /** Makes each client's next command, under request id {@code id}, choosing with {@code random}. */
  @FunctionalInterface
  public interface Generator<C> {
    Invocation<C> next(RequestId id, Random random);
  }

  /** How a reply is recorded: ok with a value, fail (certainly no effect) or info (unknown). */
  public sealed interface Outcome permits Ok, Fail, Info {
    static Outcome ok(Object value) {
      return new Ok(value);
    }

    static Outcome fail(String why) {
      return new Fail(why);
    }

    static Outcome info(String why) {
      return new Info(why);
    }
  }

  public record Ok(Object value) implements Outcome {}

  public record Fail(String why) implements Outcome {}

  public record Info(String why) implements Outcome {}

  private record Pending<C>(HistoryRecorder.Handle handle, C command, NodeId at, long deadlineMillis, int tries) {}

  private final Simulation<Raft.Command> sim;
  private final Generator<C> generator;
  private Function<Object, Outcome> outcomes = reply -> Outcome.ok(reply);
  private int clients = 3;
  private int operations = 20;
  private Duration thinkMax = Duration.ofMillis(100);
  private Duration timeout = Duration.ofSeconds(1);
  private int tries = 3;

  private RaftWorkload(Simulation<Raft.Command> sim, Generator<C> generator) {
    this.sim = Objects.requireNonNull(sim, "sim");
    this.generator = Objects.requireNonNull(generator, "generator");
  }

  /** Clients of the Raft group simulated by {@code sim}, running the commands {@code generator} makes. */
  public static <C extends ClientRequest> RaftWorkload<C> of(Simulation<Raft.Command> sim, Generator<C> generator) {
    return new RaftWorkload<>(sim, generator);
  }

  /** How each reply is recorded (by default ok, with the reply as the value). */
  public RaftWorkload<C> outcomes(Function<Object, Outcome> recording) {
    this.outcomes = Objects.requireNonNull(recording, "recording");
    return this;
  }

  public RaftWorkload<C> clients(int n) {
    this.clients = atLeastOne("clients", n);
    return this;
  }

  /** Operations per client. */
  public RaftWorkload<C> operations(int n) {
    this.operations = atLeastOne("operations", n);
    return this;
  }

  /** The longest pause of a client between two operations (drawn uniformly from 0). */
  public RaftWorkload<C> think(Duration max) {
    this.thinkMax = Objects.requireNonNull(max, "max");
    return this;
  }

  /** How long a client waits for an answer before it sends the command to the next node. */
  public RaftWorkload<C> timeout(Duration t) {
    this.timeout = Objects.requireNonNull(t, "t");
    return this;
  }

  /** How many nodes a command is sent to in silence before it is recorded of unknown outcome. */
  public RaftWorkload<C> tries(int n) {
    this.tries = atLeastOne("tries", n);
    return this;
  }

  private static int atLeastOne(String what, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + n);
    }
    return n;
  }

  /** Runs the clients until each has done its operations or virtual time reaches {@code deadline}. */
  public History run(Duration deadline) {
    return new Run().run(deadline);
  }

  /** One run's clients: what each waits for, when each starts its next operation. */
  private final class Run {
    private final Random random = new Random(NodeEnv.mix(sim.seed(), "raft-workload"));
    private final HistoryRecorder history = new HistoryRecorder(() -> sim.elapsed().toNanos());
    private final Map<String, Pending<C>> pending = new TreeMap<>();
    private final Map<String, Long> nextAt = new TreeMap<>();
    private final Map<String, Integer> left = new HashMap<>();
    private final Map<NodeId, Integer> seen = new HashMap<>();
    private long seq;

    History run(Duration deadline) {
      for (int i = 1; i <= clients; i++) {
        nextAt.put("c" + i, sim.elapsed().toMillis());
        left.put("c" + i, operations);
      }
      sim.nodes().forEach(n -> seen.put(n, sim.upcalls(n).size()));
      while ((!pending.isEmpty() || !nextAt.isEmpty()) && sim.elapsed().compareTo(deadline) < 0) {
        long now = sim.elapsed().toMillis();
        new ArrayList<>(nextAt.keySet()).stream().filter(c -> nextAt.get(c) <= now).forEach(this::start);
        new ArrayList<>(pending.keySet()).stream().filter(c -> pending.get(c).deadlineMillis() <= now)
            .forEach(this::silence);
        if (!sim.step()) {
          sim.runFor(Duration.ofMillis(1));
        }
        observe();
      }
      pending.values().forEach(p -> history.info(p.handle(), "run ended"));
      return history.history();
    }

    private void start(String client) {
      nextAt.remove(client);
      Invocation<C> next = generator.next(new RequestId(client, ++seq), random);
      HistoryRecorder.Handle h = history.invoke(client, next.f(), "machine", next.argument());
      send(new Pending<>(h, next.command(), sim.nodes().get(random.nextInt(sim.nodes().size())), 0, 1), 0);
    }

    /** Sends {@code p}'s command to its node after {@code pause} ms, and waits for the answer. */
    private void send(Pending<C> p, long pause) {
      Duration at = sim.elapsed().plusMillis(pause);
      pending.put(p.command().id().client(), new Pending<>(p.handle(), p.command(), p.at(),
          at.plus(timeout).toMillis(), p.tries()));
      sim.tell(at, p.at(), new Raft.Submit(p.command()));
    }

    private void silence(String client) {
      Pending<C> p = pending.get(client);
      if (p.tries() >= tries) {
        finish(client, () -> history.info(p.handle(), "no answer after " + tries + " tries"));
      } else {
        send(new Pending<>(p.handle(), p.command(), nextNode(p.at()), 0, p.tries() + 1), 0);
      }
    }

    private NodeId nextNode(NodeId node) {
      List<NodeId> nodes = sim.nodes();
      return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }

    private void observe() {
      for (NodeId node : sim.nodes()) {
        List<Object> upcalls = sim.upcalls(node);
        for (int i = seen.get(node); i < upcalls.size(); i++) {
          Object u = upcalls.get(i);
          if (u instanceof Raft.Answered a) {
            settle(a.command(), outcomes.apply(a.reply()));
          } else if (u instanceof Raft.Failed f) {
            settle(f.command(), Outcome.fail(f.error()));
          } else if (u instanceof Raft.NotLeader n) {
            redirect(n.command(), n.leader());
          }
        }
        seen.put(node, upcalls.size());
      }
    }

    /** The pending operation {@code command} belongs to; null for an earlier try of a settled one. */
    private Pending<C> current(Object command) {
      if (!(command instanceof ClientRequest r)) {
        return null;
      }
      Pending<C> p = pending.get(r.id().client());
      return p != null && p.command().equals(command) ? p : null;
    }

    private void redirect(Object command, NodeId leader) {
      Pending<C> p = current(command);
      if (p != null) {
        send(new Pending<>(p.handle(), p.command(), leader != null ? leader : nextNode(p.at()), 0, p.tries()), 20);
      }
    }

    private void settle(Object command, Outcome outcome) {
      Pending<C> p = current(command);
      if (p == null) {
        return;
      }
      finish(p.command().id().client(), () -> {
        if (outcome instanceof Ok ok) {
          history.ok(p.handle(), ok.value());
        } else if (outcome instanceof Fail fail) {
          history.fail(p.handle(), fail.why());
        } else {
          history.info(p.handle(), ((Info) outcome).why());
        }
      });
    }

    private void finish(String client, Runnable record) {
      pending.remove(client);
      record.run();
      left.merge(client, -1, Integer::sum);
      if (left.get(client) > 0) {
        nextAt.put(client, sim.elapsed().toMillis() + random.nextInt((int) thinkMax.toMillis() + 1));
      }
    }
  }
}
