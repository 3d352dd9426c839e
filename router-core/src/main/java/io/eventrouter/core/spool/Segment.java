package io.eventrouter.core.spool;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file of a {@link FileSpool}'s log, named after the offset of its first record. The writer
 * appends only to the newest segment; older segments are sealed and deleted whole once every
 * destination has acknowledged all their records.
 */
final class Segment {

    private static final Pattern FILE_NAME = Pattern.compile("(\\d{20})\\.log");

    final long baseOffset;

    final Path path;

    /**
     * Bytes readers may read: the writer raises it after each write cycle, so a reader never
     * sees a record that is still being written.
     */
    volatile long committedBytes;

    Segment(long baseOffset, Path path, long committedBytes) {
        this.baseOffset = baseOffset;
        this.path = path;
        this.committedBytes = committedBytes;
    }

    static Path path(Path directory, long baseOffset) {
        return directory.resolve(String.format("%020d.log", baseOffset));
    }

    /** Returns the base offset a segment file name encodes, or nothing for any other file. */
    static OptionalLong baseOffset(Path file) {
        Matcher matcher = FILE_NAME.matcher(file.getFileName().toString());
        return matcher.matches() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
    }

    @Override
    public String toString() {
        return this.path.getFileName().toString();
    }

}
