package io.eventrouter.core.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and forces directories to the device. Syncing a file does not persist its name in the
 * directory. A file the router just created, or moved into place, could therefore vanish with a
 * power loss that its own synced bytes survive, unless its directory is synced too, and so could
 * a directory created for it.
 */
public final class Directories {

    private static final Logger logger = LoggerFactory.getLogger(Directories.class);

    private Directories() {
    }

    /**
     * Creates {@code directory} and its missing parents, and syncs each directory that gained an
     * entry: the nearest one that existed and every one created below it.
     *
     * @throws IOException when a directory cannot be created
     */
    public static void createAndSync(Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath();
        List<Path> created = new ArrayList<>();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            created.add(existing);
            existing = existing.getParent();
        }
        Files.createDirectories(absolute);
        if (existing != null && !created.isEmpty()) {
            sync(existing);
        }
        created.forEach(Directories::sync);
    }

    /**
     * Forces the entries of {@code directory} to the device. Where the platform cannot open a
     * directory as a file, as on Windows, this does nothing and logs at DEBUG; a failed sync
     * logs a WARN, since the names of recent files may then not survive a power loss.
     */
    public static void sync(Path directory) {
        FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        }
        catch (IOException ex) {
            logger.debug("Directory not opened for a sync: directory={} error={}", directory, ex.toString());
            return;
        }
        try (channel) {
            channel.force(true);
        }
        catch (IOException ex) {
            logger.warn("Directory sync failed, so files created in it may not survive a power loss: directory={} "
                    + "error={}", directory, ex.toString());
        }
    }

}
