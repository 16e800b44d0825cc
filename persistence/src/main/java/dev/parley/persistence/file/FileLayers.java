package dev.parley.persistence.file;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file layers a journal's {@code files} setting can name: {@code disk} (the default, {@link
 * DiskFileLayer}) and whatever a test registered, such as a layer that simulates power cuts. The
 * journal is created by Akka from configuration, so a name is how a test hands it a layer.
 */
public final class FileLayers {

  public static final String DISK = "disk";

  private static final Map<String, FileLayer> LAYERS = new ConcurrentHashMap<>(Map.of(DISK,
      DiskFileLayer.INSTANCE));

  private FileLayers() {}

  /** Makes {@code layer} available as {@code files = name}. */
  public static void register(String name, FileLayer layer) {
    LAYERS.put(name, layer);
  }

  /** Forgets the layer registered as {@code name}. */
  public static void unregister(String name) {
    if (!DISK.equals(name)) {
      LAYERS.remove(name);
    }
  }

  /** The layer named {@code name}; refuses an unknown name with the known ones. */
  public static FileLayer named(String name) {
    FileLayer layer = LAYERS.get(name);
    if (layer == null) {
      throw new IllegalArgumentException("the file journal's files setting names no file layer: '"
          + name + "'; use \"" + DISK + "\" (known: " + LAYERS.keySet().stream().sorted().toList() + ")");
    }
    return layer;
  }
}
