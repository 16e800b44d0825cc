package dev.parley.persistence.file;

import com.typesafe.config.Config;
import java.nio.file.Path;

/** Reading the file journal's and snapshot store's settings, with one clear message when wrong. */
final class FileJournalSettings {

  private FileJournalSettings() {}

  /** The {@code dir} setting of the plugin {@code pluginId}; refuses it unset. */
  static Path directory(Config pluginConfig, String pluginId) {
    String dir = pluginConfig.hasPath("dir") ? pluginConfig.getString("dir").trim() : "";
    if (dir.isEmpty()) {
      throw new IllegalArgumentException(pluginId + ".dir is not set: configure the journal with"
          + " Journal.file(dataDir) or parley.persistence.backend = file, which put it in the node's"
          + " data directory");
    }
    return Path.of(dir);
  }
}
