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
}
