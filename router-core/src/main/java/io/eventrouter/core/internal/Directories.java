package io.eventrouter.core.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forces directories to the device. Syncing a file does not persist its name in the directory,
 * so a file the router just created, or moved into place, could vanish with a power loss that its
 * own synced bytes survive, unless the directory is synced too.
 */
public final class Directories {

    private static final Logger logger = LoggerFactory.getLogger(Directories.class);

    private Directories() {
    }

    /**
     * Forces the entries of {@code directory} to the device. Where the platform cannot open a
     * directory as a file, as on Windows, this does nothing and logs at DEBUG.
     */
    public static void sync(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
        catch (IOException ex) {
            logger.debug("Directory sync failed: directory={} error={}", directory, ex.toString());
        }
    }

}
