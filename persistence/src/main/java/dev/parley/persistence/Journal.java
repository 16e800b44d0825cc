package dev.parley.persistence;

import akka.actor.typed.ActorSystem;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.parley.persistence.file.FileJournal;
import dev.parley.persistence.file.FileJournalReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Where a node's events and snapshots go: akka-persistence-jdbc over an embedded H2 database in
 * file mode (the default, one file per node), PostgreSQL, or Parley's own {@link FileJournal file
 * journal} (forced, group-committed segment files). The JDBC ones use one shared connection pool for
 * the journal, the snapshot store and the read journal, so nothing is left open at shutdown.
 *
 * <p>What each promises for a persisted (acknowledged) event: {@code file} survives kill -9 and
 * power loss (forced before the acknowledgement); {@code postgres} survives both with the server's
 * default {@code synchronous_commit = on} and {@code fsync = on}; {@code h2} survives kill -9 but
 * not power loss (H2 2.2 never forces a commit to the device). See docs/journal.md.
 *
 * <pre>{@code
 * Config config = Journal.h2(Path.of("data/n1")).withFallback(ConfigFactory.load());
 * ActorSystem<?> system = ActorSystem.create(guardian, "parley", config);
 * Journal.prepare(system);   // creates the schema if needed, then checks the journal answers
 * }</pre>
 */
public final class Journal {

  private Journal() {}

  /**
   * The configuration of an H2 journal in {@code dataDir/journal.mv.db}. {@code WRITE_DELAY=0}: H2
   * writes each commit to the file before the commit returns. Its default (a background writer every
   * 500 ms) loses commits, even whole tables, to a {@code kill -9}; with it, what a protocol has
   * persisted survives the process (not a power cut: H2 does not force the file to the device).
   */
  public static Config h2(Path dataDir) {
    return shared("slick.jdbc.H2Profile$", "org.h2.Driver", h2Url(dataDir), "sa", "");
  }

  /** The plugin id of the file journal. */
  public static final String FILE_JOURNAL = "parley-file-journal";

  /** The plugin id of the file snapshot store. */
  public static final String FILE_SNAPSHOTS = "parley-file-snapshot-store";

  /**
   * The configuration of a file journal in {@code dataDir/journal/} and snapshots in {@code
   * dataDir/snapshots/}: a persist completes only once its events are forced to the device.
   */
  public static Config file(Path dataDir) {
    Path dir = dataDir.toAbsolutePath();
    return ConfigFactory.empty()
        .withValue("akka.persistence.journal.plugin", ConfigValueFactory.fromAnyRef(FILE_JOURNAL))
        .withValue("akka.persistence.snapshot-store.plugin", ConfigValueFactory.fromAnyRef(FILE_SNAPSHOTS))
        .withValue(FILE_JOURNAL + ".dir", ConfigValueFactory.fromAnyRef(dir.resolve("journal").toString()))
        .withValue(FILE_SNAPSHOTS + ".dir",
            ConfigValueFactory.fromAnyRef(dir.resolve("snapshots").toString()));
  }

  /** Whether {@code config} selects the file journal. */
  public static boolean isFile(Config config) {
    return config.hasPath("akka.persistence.journal.plugin")
        && FILE_JOURNAL.equals(config.getString("akka.persistence.journal.plugin"));
  }

  /** The JDBC url of the H2 journal in {@code dataDir}. */
  public static String h2Url(Path dataDir) {
    String file = dataDir.toAbsolutePath().resolve("journal").toString().replace('\\', '/');
    return "jdbc:h2:file:" + file + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0";
  }

  /** The configuration of a PostgreSQL journal at {@code url} (jdbc:postgresql://host:port/db). */
  public static Config postgres(String url, String user, String password) {
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException(
          "a PostgreSQL journal url starts with jdbc:postgresql://, got '" + url + "'");
    }
    return shared("slick.jdbc.PostgresProfile$", "org.postgresql.Driver", url, user, password);
  }

  /**
   * The journal chosen by {@code parley.persistence} in {@code config}: {@code backend = h2} (in
   * {@code data-dir}), {@code postgres} ({@code postgres.url}, {@code .user}, {@code .password}),
   * {@code file} (in {@code data-dir}).
   */
  public static Config fromSettings(Config config, Path dataDir) {
    String backend = config.getString("parley.persistence.backend").trim().toLowerCase(Locale.ROOT);
    switch (backend) {
      case "h2":
        refuseOther(dataDir, dataDir.resolve("journal"), "h2", "file");
        return h2(dataDir);
      case "file":
        refuseOther(dataDir, dataDir.resolve("journal.mv.db"), "file", "h2");
        return file(dataDir);
      case "postgres":
        Config pg = config.getConfig("parley.persistence.postgres");
        return postgres(pg.getString("url"), pg.getString("user"), pg.getString("password"));
      default:
        throw new IllegalArgumentException("parley.persistence.backend must be h2, postgres or file, got '"
            + backend + "'");
    }
  }

  /**
   * Refuses to start on {@code backend} in a data directory that holds the journal of {@code other}
   * ({@code found}): the node would start empty beside its own history, and a Raft member that
   * forgets its term, vote and log can undo what its group acknowledged.
   */
  private static void refuseOther(Path dataDir, Path found, String backend, String other) {
    if (Files.exists(found)) {
      throw new JournalUnavailableException("the data directory " + dataDir.toAbsolutePath() + " holds a journal of"
          + " parley.persistence.backend = " + other + " (" + found.getFileName() + "), but this node is set to "
          + backend + ": it would start empty beside its own history. Start it with -Dparley.persistence.backend="
          + other + " (the default changed from h2 to file), or give it another --data-dir");
    }
  }

  private static Config shared(String profile, String driver, String url, String user, String password) {
    Config db = ConfigFactory.empty()
        .withValue("url", ConfigValueFactory.fromAnyRef(url))
        .withValue("driver", ConfigValueFactory.fromAnyRef(driver))
        .withValue("user", ConfigValueFactory.fromAnyRef(user))
        .withValue("password", ConfigValueFactory.fromAnyRef(password))
        .withValue("numThreads", ConfigValueFactory.fromAnyRef(5))
        .withValue("maxConnections", ConfigValueFactory.fromAnyRef(5))
        .withValue("minConnections", ConfigValueFactory.fromAnyRef(1));
    return ConfigFactory.parseString(
            "akka.persistence.journal.plugin = \"jdbc-journal\"\n"
                + "akka.persistence.snapshot-store.plugin = \"jdbc-snapshot-store\"\n"
                + "jdbc-journal.use-shared-db = \"default\"\n"
                + "jdbc-snapshot-store.use-shared-db = \"default\"\n"
                + "jdbc-read-journal.use-shared-db = \"default\"\n"
                + "jdbc-durable-state-store.use-shared-db = \"default\"\n")
        .withValue("akka-persistence-jdbc.shared-databases.default.profile",
            ConfigValueFactory.fromAnyRef(profile))
        .withValue("akka-persistence-jdbc.shared-databases.default.db", db.root());
  }

  /**
   * Creates the journal's tables if they are missing, then checks that the journal answers (for the
   * file journal: that its segments can be read, damage only in a torn tail); a journal that cannot
   * be opened is a {@link JournalUnavailableException} saying why and what to
   * do (the plugin's own schema step hides its errors).
   */
  public static void prepare(ActorSystem<?> system) {
    if (isFile(system.settings().config())) {
      FileJournalReader.check(system);
      return;
    }
    query(system, null); // can the database be opened at all? (fails fast, unlike the plugin)
    try {
      SchemaUtils.createIfNotExists(system).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw unavailable(system, "creating its tables failed: " + e, e);
    }
    query(system, "SELECT COUNT(*) FROM event_journal");
    query(system, "SELECT COUNT(*) FROM snapshot");
  }

  private static void query(ActorSystem<?> system, String sql) {
    Config db = system.settings().config().getConfig("akka-persistence-jdbc.shared-databases.default.db");
    try (Connection c = DriverManager.getConnection(db.getString("url"), db.getString("user"),
            db.getString("password"))) {
      if (sql != null) {
        try (Statement s = c.createStatement()) {
          s.setQueryTimeout((int) QUERY_TIMEOUT.toSeconds());
          s.executeQuery(sql).close();
        }
      }
    } catch (SQLException e) {
      throw unavailable(system, e.getMessage(), e);
    }
  }

  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);

  private static JournalUnavailableException unavailable(ActorSystem<?> system, String why, Exception e) {
    String url = system.settings().config()
        .getString("akka-persistence-jdbc.shared-databases.default.db.url");
    String hint = url.startsWith("jdbc:h2:")
        ? "check that the data directory is writable, that no other process has the file open, and"
            + " that the file is an H2 2.x database (a damaged one: restore it from a backup; starting empty is"
            + " not safe for a Raft member, a lock server or a two-phase-commit node, see \"A damaged journal\""
            + " in docs/journal.md)"
        : "check that the PostgreSQL server is running, that the database exists and that the user"
            + " and password in parley.persistence.postgres are right";
    return new JournalUnavailableException("the journal at " + url + " cannot be used: " + why
        + "; " + hint, e);
  }
}
