package dev.parley.protocols.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.replication.ClientSessions;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine.Sessioned;
import dev.parley.protocols.replication.StateMachine.Applied;
import org.junit.jupiter.api.Test;

/** The partitioned log's store applies its requests through the generic client sessions. */
class LogStoreSessionsTest {

  private static RequestId id(String client, long seq) {
    return new RequestId(client, seq);
  }

  @Test
  void anAppendsRetryIsRecognisedWhateverItsStamp() {
    Sessioned<LogStore, LogReply> s = LogStore.MACHINE.apply(LogStore.MACHINE.initialState(),
        new LogRequest.Append(id("b/0", 1), "t/0", "k", "v", 1000)).state();
    Applied<Sessioned<LogStore, LogReply>, LogReply> retry =
        LogStore.MACHINE.apply(s, new LogRequest.Append(id("b/0", 1), "t/0", "k", "v", 2000));
    assertThat(retry.reply()).isEqualTo(new LogReply.Appended(id("b/0", 1), 0, 1000));
    assertThat(retry.state().state().log("t/0").next()).isEqualTo(1);
  }

  @Test
  void anotherRequestUnderAUsedIdIsRefusedSayingWhatTheIdNames() {
    Sessioned<LogStore, LogReply> s = LogStore.MACHINE.apply(LogStore.MACHINE.initialState(),
        new LogRequest.Append(id("b/0", 1), "t/0", "k", "v", 1000)).state();
    LogReply reply = LogStore.MACHINE.apply(s, new LogRequest.Trim(id("b/0", 1), "t/0", 5, 0, 0)).reply();
    assertThat(reply).isInstanceOfSatisfying(LogReply.Rejected.class, r -> {
      assertThat(r.why()).isEqualTo(ClientSessions.Why.ID_REUSED);
      assertThat(r.reason()).contains("an append of log \"t/0\"").contains("a trim of log \"t/0\"");
    });
  }
}
