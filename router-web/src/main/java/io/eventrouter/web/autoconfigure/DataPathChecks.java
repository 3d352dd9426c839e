package io.eventrouter.web.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.validation.Errors;

/**
 * Checks, made while the properties bind, of the paths where the router keeps its data. The spool,
 * the dead-letter store, the file destination and the embedded identity store create missing
 * directories when they open. They cannot do so through a file, and without these checks that
 * failure stops the start with an I/O exception deep in a long stack trace instead of a report
 * that names the property.
 *
 * <p>The checks see the file system as it is while the properties bind, so a path that changes
 * before the component opens it still fails with the I/O exception.
 *
 * <p>NOTE: Spring Boot validates a group such as {@code router.spool} only when one of its
 * properties is set. A default path under a file, such as {@code data/spool} while the working
 * directory contains a file named {@code data}, is not checked and still fails with the I/O exception.
 */
final class DataPathChecks {

    private DataPathChecks() {
    }

    /**
     * Rejects {@code field} when {@code path}, which names a file, is a directory or lies under a
     * file.
     *
     * @param example a valid value to suggest in the message
     */
    static void checkFile(Errors errors, String field, Path path, String example) {
        if (Files.isDirectory(path)) {
            errors.rejectValue(field, "pathIsDirectory", "is a directory; name a file, such as " + example);
            return;
        }
        checkParents(errors, field, path);
    }

    /**
     * Rejects {@code field} when {@code path}, which names a directory, is a file or lies under a
     * file.
     *
     * @param example a valid value to suggest in the message
     */
    static void checkDirectory(Errors errors, String field, Path path, String example) {
        if (Files.exists(path) && !Files.isDirectory(path)) {
            errors.rejectValue(field, "pathIsFile", "is a file; name a directory, such as " + example);
            return;
        }
        checkParents(errors, field, path);
    }

    /**
     * Rejects {@code field} when the nearest existing parent of {@code path} is not a directory.
     * Parents that do not exist yet are fine, because the component creates them.
     */
    private static void checkParents(Errors errors, String field, Path path) {
        Path parent = path.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent != null && !Files.isDirectory(parent)) {
            errors.rejectValue(field, "parentIsFile",
                    "part of the path, " + parent + ", is a file, not a directory");
        }
    }

}
