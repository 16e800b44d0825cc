package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.replication.ClientSessions;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.KvStore;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.Register;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionExpiry;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.kv.KvWorkload;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Raft's store keeps bounded client sessions (the Raft dissertation's section 6.3), in the
 * deterministic simulation: thousands of anonymous requests (one HTTP call each, naming no client)
 * leave no session; many distinct named clients leave sessions that expire once the store has taken
 * {@code afterRequests} new requests since their last, on every replica alike, so the sessions stay
 * fewer than that; an expired client's retry is refused (session expired) and not applied a second
 * time, while a live client's retry is answered from its session; the named clients' history stays
 * linearizable throughout. Registered clients ({@link Register}, ids issued through the log) are told
 * apart exactly: a new one is never taken for an expired one however many expired, an expired one's
 * retry is refused and not applied twice, an id never issued is refused as unknown.
 */
class RaftKvSessionExpirySpec {

  /**
   * Sessions expire after 300 requests; 16,384 buckets, so the 500 expired clients here leave a new
   * name a chance of about (1 - e^(-3 * 500 / 16384))^3, under 0.1 %, of being taken for an expired one.
   */
  static final SessionExpiry EXPIRY = new SessionExpiry(300, 16_384);
  static final RaftKv.Settings SETTINGS = RaftKv.Settings.DEFAULT.withSessions(EXPIRY);
  /** More distinct named clients than sessions may exist at once. */
  static final int CLIENTS = 500;

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** The leader, once one is elected (virtual time runs meanwhile). */
  static NodeId leader(Simulation<RaftKv.Command> sim) {
    for (int tries = 0; tries < 100; tries++) {
      for (NodeId n : sim.liveNodes()) {
        if (RaftKvSpec.status(sim, n).role() == Role.LEADER) {
          return n;
        }
      }
      sim.runFor(ms(100));
    }
    throw new AssertionError("no leader elected within 10 s of virtual time");
  }

  /** {@code request} given to the leader, and its answer there (virtual time runs until it comes). */
  static KvReply ask(Simulation<RaftKv.Command> sim, KvRequest request) {
    NodeId at = leader(sim);
    int seen = sim.upcalls(at).size();
    sim.tell(sim.elapsed(), at, new RaftKv.Request(request));
    Duration until = sim.elapsed().plus(Duration.ofSeconds(5));
    while (sim.elapsed().compareTo(until) < 0) {
      List<Object> upcalls = sim.upcalls(at);
      for (int i = seen; i < upcalls.size(); i++) {
        if (upcalls.get(i) instanceof KvReply r && r.id().equals(request.id())) {
          return r;
        }
      }
      seen = upcalls.size();
      if (!sim.step()) {
        sim.runFor(ms(1));
      }
    }
    throw new AssertionError("no answer to " + request + " within 5 s of virtual time");
  }

  /** {@code count} anonymous puts to keys {@code a0..a9}, given to the leader from now on, 1 ms apart. */
  static void anonymousPuts(Simulation<RaftKv.Command> sim, String run, int count) {
    NodeId at = leader(sim);
    Duration from = sim.elapsed();
    for (int i = 1; i <= count; i++) {
      RequestId id = new RequestId(RequestId.ANONYMOUS_PREFIX + run + "-" + i, 1);
      sim.tell(from.plus(ms(i)), at, new RaftKv.Request(new Put(id, "a" + (i % 10), run + "-" + i)));
    }
  }

  /** The store each node's journal commits to up to what it applied, replayed from an empty store. */
  static Map<NodeId, KvStore> stores(Simulation<RaftKv.Command> sim) {
    return stores(sim, EXPIRY);
  }

  /** As {@link #stores(Simulation)}, for a group whose sessions expire by {@code expiry}. */
  static Map<NodeId, KvStore> stores(Simulation<RaftKv.Command> sim, SessionExpiry expiry) {
    Map<NodeId, Raft.State> journals = RaftKvSpec.journals(sim);
    return sim.nodes().stream().collect(Collectors.toMap(n -> n, n -> {
      RaftLog log = journals.get(n).log();
      KvStore store = log.state() == null ? KvStore.empty(expiry) : (KvStore) log.state();
      long applied = RaftKvSpec.status(sim, n).lastApplied();
      for (long i = log.firstIndex(); i <= applied; i++) {
        LogEntry e = log.entry(i);
        if (!e.isNoop()) {
          store = store.apply((KvRequest) e.command()).store();
        }
      }
      return store;
    }));
  }

  @Test
  void sessionsStayBoundedExpiredRetriesAreRefusedAndLiveOnesAnswered() {
    Simulations.forSeeds(1, 3, seed -> {
      Simulation<RaftKv.Command> sim = RaftKvSpec.simulation(3, seed, SETTINGS);
      leader(sim);
      anonymousPuts(sim, "first", 2000);
      KvWorkload.Result r = KvWorkload.of(sim, RaftKv.Request::new).timeout(Duration.ofSeconds(1))
          .clients(CLIENTS).keys(100).operations(3).think(ms(20)).run(Duration.ofSeconds(60));
      LinearizabilityChecker.forRegisters().check(r.history()).requireValid();
      assertThat(r.ok()).as("named clients' operations completed").isGreaterThan(CLIENTS * 2L);
      assertThat(r.history().operations().stream().map(Operation::process).distinct().count())
          .as("distinct named clients").isEqualTo(CLIENTS);
      sim.runFor(Duration.ofSeconds(3));

      Map<NodeId, KvStore> during = stores(sim);
      KvStore first = during.values().iterator().next();
      assertThat(during.values()).as("every replica has the same store and sessions").allMatch(first::equals);
      assertThat(first.sessions().clock()).as("new requests taken").isGreaterThanOrEqualTo(2000 + CLIENTS * 2L);
      assertThat(first.sessions().expired()).as("sessions expired (their highest seqs kept in buckets)").isNotEmpty();
      assertThat(first.sessions().size()).as("sessions: at most one per client of the last %d requests",
          EXPIRY.afterRequests()).isLessThanOrEqualTo((int) EXPIRY.afterRequests());
      assertThat(first.sessions().byClient().keySet()).as("no anonymous request left a session")
          .noneMatch(c -> c.startsWith(RequestId.ANONYMOUS_PREFIX));

      // A live client: its retry is answered from its session, not applied again.
      Put live = new Put(new RequestId("live", 1), "x", "live-1");
      assertThat(ask(sim, live)).isEqualTo(new KvReply.Ok(live.id(), null));
      assertThat(ask(sim, new Put(new RequestId("other", 1), "x", "other-1"))).isInstanceOf(KvReply.Ok.class);
      assertThat(ask(sim, live)).as("a live client's retry").isEqualTo(new KvReply.Ok(live.id(), null));
      assertThat(ask(sim, new Get(new RequestId("reader", 1), "x")))
          .as("the retry was not applied again").isEqualTo(new KvReply.Ok(new RequestId("reader", 1), "other-1"));

      // The named clients go silent while anonymous traffic goes on: their sessions expire.
      Operation acknowledged = r.history().operations().stream()
          .filter(op -> op.isOk() && op.f().equals("put")).findFirst().orElseThrow();
      String value = (String) acknowledged.argument();
      Put retry = new Put(new RequestId(acknowledged.process(), Long.parseLong(value.substring(value.indexOf('-') + 1))),
          acknowledged.key(), value);
      anonymousPuts(sim, "second", (int) EXPIRY.afterRequests() + 50);
      sim.runFor(Duration.ofSeconds(3));
      assertThat(ask(sim, new Put(new RequestId("marker", 1), retry.key(), "marker-1"))).isInstanceOf(KvReply.Ok.class);
      sim.runFor(Duration.ofSeconds(1));

      Map<NodeId, KvStore> after = stores(sim);
      KvStore last = after.values().iterator().next();
      assertThat(after.values()).allMatch(last::equals);
      assertThat(last.sessions().byClient().keySet()).as("only the client of the last request has a session")
          .containsExactly("marker");

      KvReply refused = ask(sim, retry);
      assertThat(refused).as("the retry of %s, whose session expired", acknowledged)
          .isInstanceOfSatisfying(KvReply.Rejected.class, rejected -> {
            assertThat(rejected.why()).isEqualTo(ClientSessions.Why.SESSION_EXPIRED);
            assertThat(rejected.reason()).contains(acknowledged.process()).contains("new client id");
          });
      assertThat(ask(sim, new Get(new RequestId("reader2", 1), retry.key())))
          .as("the expired client's retry was not applied a second time")
          .isEqualTo(new KvReply.Ok(new RequestId("reader2", 1), "marker-1"));
    });
  }

  /** The client id the leader's store issues to a registration named {@code caller}. */
  static String register(Simulation<RaftKv.Command> sim, String caller) {
    KvReply reply = ask(sim, new Register(new RequestId(caller, 1)));
    assertThat(reply).as("registration %s", caller).isInstanceOf(KvReply.Ok.class);
    return ((KvReply.Ok) reply).value();
  }

  /**
   * One bucket, so once self-named sessions expired every new self-named client numbering from 1 is
   * taken for an expired one (the bucketed scheme's weakness at its worst); 400 registered clients
   * whose sessions expire leave every new registered client served, and an expired one refused.
   */
  @Test
  void registeredClientsAreToldApartExactlyFromExpiredOnes() {
    SessionExpiry tight = new SessionExpiry(50, 1);
    Simulations.forSeeds(1, 2, seed -> {
      Simulation<RaftKv.Command> sim = RaftKvSpec.simulation(3, seed, RaftKv.Settings.DEFAULT.withSessions(tight));
      leader(sim);
      assertThat(ask(sim, new Put(new RequestId("selfnamed", 3), "s", "1"))).isInstanceOf(KvReply.Ok.class);
      String firstRegistered = null;
      for (int i = 1; i <= 400; i++) {
        String client = register(sim, RequestId.ANONYMOUS_PREFIX + "reg-" + i);
        firstRegistered = firstRegistered == null ? client : firstRegistered;
        Put put = new Put(new RequestId(client, 1), "k" + (i % 5), client);
        assertThat(ask(sim, put)).as("the first request of new registered client %s", client)
            .isEqualTo(new KvReply.Ok(put.id(), null));
      }
      Put newcomer = new Put(new RequestId("newcomer", 1), "n", "1");
      assertThat(ask(sim, newcomer)).as("a new self-named client, taken for an expired one (one bucket)")
          .isInstanceOfSatisfying(KvReply.Rejected.class, r ->
              assertThat(r.why()).isEqualTo(ClientSessions.Why.SESSION_EXPIRED));

      KvReply expired = ask(sim, new Put(new RequestId(firstRegistered, 1), "k1", firstRegistered));
      String first = firstRegistered;
      assertThat(expired).as("the retry of expired registered client %s", first)
          .isInstanceOfSatisfying(KvReply.Rejected.class, r -> {
            assertThat(r.why()).isEqualTo(ClientSessions.Why.SESSION_EXPIRED);
            assertThat(r.reason()).contains(first).contains("Register again");
          });
      RequestId read = new RequestId(register(sim, RequestId.ANONYMOUS_PREFIX + "reader"), 1);
      assertThat(ask(sim, new Get(read, "k1"))).as("the expired client's retry was not applied a second time")
          .isEqualTo(new KvReply.Ok(read, "reg-396"));
      assertThat(ask(sim, new Put(new RequestId("reg-402", 1), "u", "1"))).as("an id never issued")
          .isInstanceOfSatisfying(KvReply.Rejected.class, r ->
              assertThat(r.why()).isEqualTo(ClientSessions.Why.UNKNOWN_CLIENT));
      sim.runFor(Duration.ofSeconds(2));

      Map<NodeId, KvStore> stores = stores(sim, tight);
      KvStore any = stores.values().iterator().next();
      assertThat(stores.values()).as("every replica issued the same ids and expired the same sessions")
          .allMatch(any::equals);
      assertThat(any.sessions().registered()).isEqualTo(401);
      assertThat(any.sessions().size()).isLessThanOrEqualTo((int) tight.afterRequests());
      assertThat(any.sessions().expired()).as("only the self-named client left a floor").hasSize(1);
    });
  }
}
