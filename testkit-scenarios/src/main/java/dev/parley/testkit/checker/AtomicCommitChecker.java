package dev.parley.testkit.checker;

import dev.parley.testkit.checker.CommitRecord.Decision;
import dev.parley.testkit.checker.CommitRecord.Vote;
import dev.parley.testkit.report.TextTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Atomic commitment over the final {@link CommitRecord}s of a run, transaction by transaction:
 *
 * <ul>
 *   <li><b>agreement</b>: no two participants decide differently;
 *   <li><b>validity</b>: COMMIT only if every participant voted YES; so if anyone voted NO (or never
 *       voted), whoever decided, decided ABORT;
 *   <li><b>blocking</b>: participants that voted YES and have no decision are reported. They are a
 *       violation by default (a run that ended after recovery should leave nobody blocked); {@link
 *       #allowingBlocked()} only reports them, for runs that show 2PC blocking on a coordinator crash.
 * </ul>
 *
 * <p>Complexity: O(n) in the number of records.
 *
 * <pre>{@code
 * Verdict v = AtomicCommitChecker.create().check(List.of(
 *     CommitRecord.of("t1", n(1), Vote.YES, Decision.COMMIT),
 *     CommitRecord.of("t1", n(2), Vote.YES, Decision.COMMIT)));
 * }</pre>
 */
public final class AtomicCommitChecker implements Checker<List<CommitRecord>> {

  private static final String NAME = "atomic commit";
  private static final int SHOWN = 10;

  private final boolean blockingIsViolation;

  private AtomicCommitChecker(boolean blockingIsViolation) {
    this.blockingIsViolation = blockingIsViolation;
  }

  /** Agreement, validity, and no participant left blocked. */
  public static AtomicCommitChecker create() {
    return new AtomicCommitChecker(true);
  }

  /** Agreement and validity; blocked participants are reported in the summary but allowed. */
  public AtomicCommitChecker allowingBlocked() {
    return new AtomicCommitChecker(false);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict check(List<CommitRecord> records) {
    Map<String, List<CommitRecord>> transactions = byTransaction(records);
    List<String> disagreements = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    List<String> blocked = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, List<CommitRecord>> t : transactions.entrySet()) {
      List<CommitRecord> participants = t.getValue();
      boolean commit = participants.stream().anyMatch(r -> r.decision() == Decision.COMMIT);
      boolean abort = participants.stream().anyMatch(r -> r.decision() == Decision.ABORT);
      boolean allYes = participants.stream().allMatch(r -> r.vote() == Vote.YES);
      String problem = null;
      if (commit && abort) {
        disagreements.add(t.getKey());
        problem = "participants decided both COMMIT and ABORT";
      } else if (commit && !allYes) {
        invalid.add(t.getKey());
        problem = "COMMIT although not every participant voted YES";
      }
      if (problem != null && disagreements.size() + invalid.size() == 1) {
        lines.add("transaction " + t.getKey() + ": " + problem + ":");
        lines.addAll(table(participants));
      }
      if (participants.stream().anyMatch(CommitRecord::isBlocked)) {
        blocked.add(t.getKey());
      }
    }
    String blockedNote = blocked.isEmpty() ? "none blocked"
        : blocked.size() + " blocked (voted YES, no decision): " + shown(blocked);
    if (!disagreements.isEmpty() || !invalid.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!disagreements.isEmpty()) {
        parts.add(disagreements.size() + " transaction(s) where participants disagree: " + shown(disagreements));
      }
      if (!invalid.isEmpty()) {
        parts.add(invalid.size() + " committed without a unanimous YES: " + shown(invalid));
      }
      parts.add(blockedNote);
      return Verdict.invalid(NAME, String.join("; ", parts), lines);
    }
    if (!blocked.isEmpty() && blockingIsViolation) {
      List<String> blockedLines = new ArrayList<>();
      blockedLines.add("transaction " + blocked.get(0) + ":");
      blockedLines.addAll(table(transactions.get(blocked.get(0))));
      return Verdict.invalid(NAME, blockedNote, blockedLines);
    }
    return Verdict.valid(NAME, transactions.size() + " transaction(s) atomic; " + blockedNote);
  }

  /** Transactions in which some participant voted YES and has no decision, in order of appearance. */
  public List<String> blockedTransactions(List<CommitRecord> records) {
    return byTransaction(records).entrySet().stream()
        .filter(t -> t.getValue().stream().anyMatch(CommitRecord::isBlocked))
        .map(Map.Entry::getKey)
        .toList();
  }

  private static Map<String, List<CommitRecord>> byTransaction(List<CommitRecord> records) {
    Map<String, List<CommitRecord>> transactions = new LinkedHashMap<>();
    for (CommitRecord r : records) {
      List<CommitRecord> participants = transactions.computeIfAbsent(r.transaction(), t -> new ArrayList<>());
      if (participants.stream().anyMatch(p -> p.participant().equals(r.participant()))) {
        throw new IllegalArgumentException("transaction " + r.transaction() + " has two records for participant "
            + r.participant() + "; give one final record per participant");
      }
      participants.add(r);
    }
    return transactions;
  }

  private static String shown(List<String> ids) {
    return ids.size() <= SHOWN ? ids.toString() : ids.subList(0, SHOWN) + " and " + (ids.size() - SHOWN) + " more";
  }

  private static List<String> table(List<CommitRecord> participants) {
    TextTable t = new TextTable("participant", "vote", "decision", "");
    participants.stream().sorted(Comparator.comparing(CommitRecord::participant))
        .forEach(r -> t.row(r.participant(), r.vote(), r.decision(), r.isBlocked() ? "blocked" : ""));
    return t.lines();
  }
}
