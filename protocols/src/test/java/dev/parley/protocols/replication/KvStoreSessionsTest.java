package dev.parley.protocols.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * One request id names one request: the store's client sessions against the cases a hostile client
 * makes (requests out of order, a retry, another request under a used id, a read under a write's id).
 */
class KvStoreSessionsTest {

  private static RequestId id(String client, long seq) {
    return new RequestId(client, seq);
  }

  @Test
  void requestsArrivingOutOfOrderAreAllApplied() {
    KvStore s = KvStore.EMPTY.apply(new Put(id("x", 10), "o1", "ten")).store();
    KvStore.Result nine = s.apply(new Put(id("x", 9), "o2", "nine"));
    assertThat(nine.reply()).isEqualTo(new KvReply.Ok(id("x", 9), null));
    assertThat(nine.store().get("o2")).isEqualTo("nine");
    assertThat(nine.store().get("o1")).isEqualTo("ten");
  }

  @Test
  void aRetryGetsTheFirstAnswerAndIsAppliedOnce() {
    KvStore s = KvStore.EMPTY.apply(new Cas(id("x", 1), "r", null, "first")).store();
    s = s.apply(new Put(id("y", 1), "r", "other")).store();
    KvStore.Result retry = s.apply(new Cas(id("x", 1), "r", null, "first"));
    assertThat(retry.reply()).isEqualTo(new KvReply.Ok(id("x", 1), null));
    assertThat(retry.store()).isSameAs(s);
    assertThat(retry.store().get("r")).isEqualTo("other");
  }

  @Test
  void anotherRequestUnderAUsedIdIsRefusedWithoutEffect() {
    KvStore s = KvStore.EMPTY.apply(new Put(id("x", 1), "r", "first")).store();
    KvStore.Result second = s.apply(new Put(id("x", 1), "r", "second"));
    assertThat(second.reply()).isInstanceOfSatisfying(KvReply.Rejected.class, r -> {
      assertThat(r.why()).isEqualTo(ClientSessions.Why.ID_REUSED);
      assertThat(r.reason()).contains("x:1").contains("a put of key \"r\"");
    });
    assertThat(second.store().get("r")).isEqualTo("first");
  }

  @Test
  void aReadUnderAWritesIdIsRefusedNotAnsweredWithTheWritesRecord() {
    KvStore s = KvStore.EMPTY.apply(new Put(id("x", 1), "r", "first")).store();
    KvReply read = s.apply(new Get(id("x", 1), "r")).reply();
    assertThat(read).isInstanceOf(KvReply.Rejected.class);
    KvStore afterRead = s.apply(new Get(id("x", 2), "r")).store();
    assertThat(afterRead.apply(new Put(id("x", 2), "r", "w")).reply()).isInstanceOf(KvReply.Rejected.class);
    assertThat(afterRead.apply(new Get(id("x", 2), "r")).reply()).isEqualTo(new KvReply.Ok(id("x", 2), "first"));
  }

  @Test
  void aSeqOlderThanTheWindowIsRefusedAsForgotten() {
    KvStore s = KvStore.EMPTY;
    for (long seq = 1; seq <= ClientSessions.WINDOW + 5; seq++) {
      s = s.apply(new Put(id("x", seq), "k", "v" + seq)).store();
    }
    KvReply old = s.apply(new Put(id("x", 2), "k", "v2")).reply();
    assertThat(old).isInstanceOfSatisfying(KvReply.Rejected.class, r ->
        assertThat(r.why()).isEqualTo(ClientSessions.Why.SEQ_FORGOTTEN));
    assertThat(s.apply(new Put(id("x", ClientSessions.WINDOW + 5), "k", "v" + (ClientSessions.WINDOW + 5))).reply())
        .isEqualTo(new KvReply.Ok(id("x", ClientSessions.WINDOW + 5), null));
    assertThat(s.sessions().byClient().get("x").recent()).hasSize(ClientSessions.WINDOW);
  }

  @Test
  void anonymousRequestsAreAppliedWithoutLeavingASession() {
    KvStore s = KvStore.EMPTY;
    for (int i = 1; i <= 1000; i++) {
      s = s.apply(new Put(id(RequestId.ANONYMOUS_PREFIX + "run-" + i, 1), "k" + (i % 10), "v" + i)).store();
    }
    assertThat(s.sessions().size()).isZero();
    assertThat(s.get("k0")).isEqualTo("v1000");
    assertThat(s.sessions().clock()).isEqualTo(1000);
  }

  @Test
  void silentClientsSessionsExpireSoTheirCountStaysBounded() {
    KvStore s = KvStore.empty(new SessionExpiry(100, 64));
    for (int i = 1; i <= 1000; i++) {
      s = s.apply(new Put(id("c" + i, i), "k", "v" + i)).store();
      assertThat(s.sessions().size()).isLessThanOrEqualTo(100);
    }
    assertThat(s.sessions().byClient()).containsKey("c1000").doesNotContainKey("c900");
    assertThat(s.sessions().expired().size()).isLessThanOrEqualTo(64);
    assertThat(s.get("k")).isEqualTo("v1000");
  }

  @Test
  void aNewClientTakenForAnExpiredOneIsToldToNumberAboveTheFloor() {
    KvStore s = KvStore.empty(new SessionExpiry(1, 1));
    s = s.apply(new Put(id("alice", 7), "a", "1")).store();
    s = s.apply(new Put(id("bob", 1), "b", "1")).store();
    KvReply refused = s.apply(new Put(id("carol", 3), "c", "1")).reply();
    assertThat(refused).isInstanceOfSatisfying(KvReply.Rejected.class, r -> {
      assertThat(r.why()).isEqualTo(ClientSessions.Why.SESSION_EXPIRED);
      assertThat(r.reason()).contains("above 7");
    });
    assertThat(s.apply(new Put(id("carol", 8), "c", "1")).reply()).isEqualTo(new KvReply.Ok(id("carol", 8), null));
  }

  @Test
  void anExpiredClientsRetryIsRefusedAndNotAppliedAgain() {
    KvStore s = KvStore.empty(new SessionExpiry(10, 1024));
    s = s.apply(new Put(id("alice", 1), "a", "1")).store();
    s = s.apply(new Put(id("alice", 2), "a", "2")).store();
    for (int i = 1; i <= 10; i++) {
      s = s.apply(new Put(id("bob", i), "a", "bob" + i)).store();
    }
    assertThat(s.sessions().byClient()).doesNotContainKey("alice");
    KvStore.Result retry = s.apply(new Put(id("alice", 2), "a", "2"));
    assertThat(retry.reply()).isInstanceOfSatisfying(KvReply.Rejected.class, r -> {
      assertThat(r.why()).isEqualTo(ClientSessions.Why.SESSION_EXPIRED);
      assertThat(r.reason()).contains("alice").contains("expired").contains("new client id");
    });
    assertThat(retry.store().get("a")).isEqualTo("bob10");
    KvStore.Result next = s.apply(new Put(id("alice", 3), "a", "3"));
    assertThat(next.reply()).isEqualTo(new KvReply.Ok(id("alice", 3), null));
    assertThat(next.store().apply(new Put(id("alice", 1), "a", "1")).reply()).isInstanceOfSatisfying(
        KvReply.Rejected.class, r -> assertThat(r.why()).isEqualTo(ClientSessions.Why.SEQ_FORGOTTEN));
    assertThat(s.apply(new Put(id("carol", 1), "c", "1")).reply()).isEqualTo(new KvReply.Ok(id("carol", 1), null));
  }

  @Test
  void aLiveClientsRetryIsStillAnsweredFromItsSession() {
    KvStore s = KvStore.empty(new SessionExpiry(10, 1024));
    s = s.apply(new Cas(id("alice", 1), "a", null, "1")).store();
    for (int i = 1; i <= 9; i++) {
      s = s.apply(new Put(id("bob", i), "a", "bob" + i)).store();
    }
    KvStore.Result retry = s.apply(new Cas(id("alice", 1), "a", null, "1"));
    assertThat(retry.reply()).isEqualTo(new KvReply.Ok(id("alice", 1), null));
    assertThat(retry.store().get("a")).isEqualTo("bob9");
  }

  private static String register(KvStore[] s, String caller) {
    KvStore.Result r = s[0].apply(new Register(id(caller, 1)));
    s[0] = r.store();
    return ((KvReply.Ok) r.reply()).value();
  }

  @Test
  void registeredClientsAreNeverTakenForExpiredOnesHoweverManyExpired() {
    KvStore[] s = {KvStore.empty(new SessionExpiry(10, 1))};
    for (int i = 1; i <= 2000; i++) {
      String client = register(s, RequestId.ANONYMOUS_PREFIX + i);
      assertThat(client).isEqualTo("reg-" + i);
      KvReply first = s[0].apply(new Put(id(client, 1), "k", "v" + i)).reply();
      assertThat(first).as("the first request of new client %s", client).isEqualTo(new KvReply.Ok(id(client, 1), null));
      s[0] = s[0].apply(new Put(id(client, 1), "k", "v" + i)).store();
      assertThat(s[0].sessions().size()).isLessThanOrEqualTo(10);
    }
    assertThat(s[0].sessions().registered()).isEqualTo(2000);
    assertThat(s[0].sessions().expired()).as("registered clients leave nothing in the buckets").isEmpty();
  }

  @Test
  void anExpiredRegisteredClientsRetryIsRefusedExactlyAndNotAppliedAgain() {
    KvStore[] s = {KvStore.empty(new SessionExpiry(10, 1024))};
    String alice = register(s, "anon-a");
    s[0] = s[0].apply(new Put(id(alice, 1), "a", "alice")).store();
    for (int i = 1; i <= 10; i++) {
      s[0] = s[0].apply(new Put(id("bob", i), "a", "bob" + i)).store();
    }
    assertThat(s[0].sessions().byClient()).doesNotContainKey(alice);
    for (long seq : new long[] {1, 2, 1000}) {
      KvStore.Result retry = s[0].apply(new Put(id(alice, seq), "a", "alice"));
      assertThat(retry.reply()).as("seq %d of expired %s", seq, alice).isInstanceOfSatisfying(KvReply.Rejected.class,
          r -> {
            assertThat(r.why()).isEqualTo(ClientSessions.Why.SESSION_EXPIRED);
            assertThat(r.reason()).contains(alice).contains("expired").contains("Register again");
          });
      assertThat(retry.store().get("a")).isEqualTo("bob10");
    }
  }

  @Test
  void aRegisteredIdTheStoreNeverIssuedIsRefusedAsUnknown() {
    KvStore[] s = {KvStore.EMPTY};
    register(s, "anon-a");
    for (String client : new String[] {"reg-2", "reg-0", "reg-", "reg-x7", "reg-99999999999999999999"}) {
      KvStore.Result r = s[0].apply(new Put(id(client, 1), "k", "v"));
      assertThat(r.reply()).as(client).isInstanceOfSatisfying(KvReply.Rejected.class, rejected -> {
        assertThat(rejected.why()).isEqualTo(ClientSessions.Why.UNKNOWN_CLIENT);
        assertThat(rejected.reason()).contains(client).contains("never registered").contains("reg-1 to reg-1");
      });
      assertThat(r.store().get("k")).isNull();
    }
    assertThat(ClientSessions.Why.UNKNOWN_CLIENT.label()).isEqualTo("unknown-client");
  }

  @Test
  void aRetriedRegistrationUnderANamedIdGetsTheSameClientId() {
    KvStore[] s = {KvStore.EMPTY};
    String first = register(s, "alice");
    assertThat(s[0].apply(new Register(id("alice", 1))).reply()).isEqualTo(new KvReply.Ok(id("alice", 1), first));
    assertThat(register(s, "anon-b")).isEqualTo("reg-2");
  }
}
