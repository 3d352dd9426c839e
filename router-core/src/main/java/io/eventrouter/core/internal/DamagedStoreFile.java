package io.eventrouter.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;

/**
 * Recognizes an H2 MVStore file that cannot be opened because of its bytes, and moves it aside.
 * The spool and the dead-letter store then start on an empty file, since a router that fails to
 * start loses the events arriving meanwhile, and the moved file keeps the old data for an
 * operator.
 */
public final class DamagedStoreFile {

    /** MVStore starts a file with two copies of its header, one block of 4 KB each. */
    private static final long HEADER_BYTES = 2 * 4096;

    /** UTC and free of colons, so the moved-aside file's name is valid on every file system. */
    private static final DateTimeFormatter CORRUPT_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private DamagedStoreFile() {
    }

    /** Returns whether MVStore failed because of the file's bytes rather than because it cannot reach the file. */
    public static boolean isDamage(MVStoreException ex) {
        int code = ex.getErrorCode();
        return code == DataUtils.ERROR_FILE_CORRUPT || code == DataUtils.ERROR_CHUNK_NOT_FOUND;
    }

    /**
     * Returns whether opening the file at {@code path} failed because of its bytes: damage, or a
     * file that ends inside the two header blocks MVStore starts every file with. A locked file,
     * one the router may not read, and anything but a regular file are neither.
     */
    public static boolean isUnopenable(MVStoreException ex, Path path) {
        // A directory in the file's place is a wrong path, not damage, and may hold other data.
        return Files.isRegularFile(path) && (isDamage(ex) || isCutInsideHeader(ex, path));
    }

    /**
     * Returns whether {@code path} is a regular file of 0 bytes. MVStore opens such a file as an
     * empty store and logs nothing, although it may have held data before something emptied it.
     */
    public static boolean isEmptyFile(Path path) {
        try {
            return Files.isRegularFile(path) && Files.size(path) == 0;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static boolean isCutInsideHeader(MVStoreException ex, Path path) {
        try {
            return ex.getErrorCode() == DataUtils.ERROR_READING_FAILED && Files.isReadable(path)
                    && Files.size(path) > 0 && Files.size(path) < HEADER_BYTES;
        }
        catch (IOException notReadable) {
            return false;
        }
    }

    /**
     * Moves the file at {@code path} to {@code <name>.corrupt-<UTC time>} in the same directory.
     *
     * @param description what the file is, such as "spool file", for the failure's message
     * @param damage the failure that showed the damage, the cause of a failure to move
     * @return the path the file was moved to
     * @throws IllegalStateException when the file cannot be moved
     */
    public static Path moveAside(Path path, String description, MVStoreException damage) {
        String stamp = CORRUPT_STAMP.format(Instant.now());
        Path target = path.resolveSibling(path.getFileName() + ".corrupt-" + stamp);
        try {
            return Files.move(path, target);
        }
        catch (IOException ex) {
            IllegalStateException failure = new IllegalStateException("The " + description + " " + path
                    + " is damaged and cannot be moved aside to " + target + ": " + ex.getMessage(), damage);
            failure.addSuppressed(ex);
            throw failure;
        }
    }

}
