package dev.parley.protocols.trace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The run explorer: one self-contained page (no network, no CDN) that shows a {@link RunRecord}.
 * {@link #html} embeds a run, for a file a person opens; {@link #live()} is the page a node serves,
 * which loads {@code explorer/run} and follows {@code explorer/live}; opened from a file with no run,
 * the page offers a file chooser. What the page shows: docs/explorer.md.
 *
 * <p>Model: the page is the resource {@code explorer.html} with an empty
 * {@code <script type="application/json" id="parley-run">} element that a run's JSON fills.
 * Guarantees: the embedded JSON is the same JSON text as the run given, and no text in it (a label
 * quoting {@code </script>} or {@code <!--}) can end or confuse that element. Cost: one copy of the
 * run's text; the page itself is about 60 kB.
 */
public final class ExplorerPage {

  private static final String SLOT = "<script type=\"application/json\" id=\"parley-run\"></script>";

  private ExplorerPage() {}

  /**
   * The page with {@code runJson} embedded. Inside the JSON, {@code </} becomes {@code <\/} and
   * {@code <!--} starts with a JSON Unicode escape of {@code <} instead (both the same JSON text), so no label can end or confuse
   * the script element that holds the run.
   */
  public static String html(String runJson) {
    String safe = runJson.replace("</", "<\\/").replace("<!--", "\\u003c!--");
    return template().replace(SLOT, "<script type=\"application/json\" id=\"parley-run\">" + safe + "</script>");
  }

  /** The page with no run embedded: served by a node, it loads the cluster's run itself. */
  public static String live() {
    return template();
  }

  /** Writes the page with {@code runJson} embedded to {@code file}. */
  public static Path write(Path file, String runJson) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, html(runJson));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the explorer page to " + file + ": " + e.getMessage(), e);
    }
  }

  private static String template() {
    try (InputStream in = ExplorerPage.class.getResourceAsStream("explorer.html")) {
      if (in == null) {
        throw new IllegalStateException("explorer.html is missing from the protocols jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
