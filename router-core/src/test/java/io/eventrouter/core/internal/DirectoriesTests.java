package io.eventrouter.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests for {@link Directories}. A sync has no effect a test can observe short of a power loss,
 * so these cover creation and the failures the callers rely on.
 */
class DirectoriesTests {

    @TempDir
    Path directory;

    @Test
    void createsMissingParents() throws IOException {
        Path nested = this.directory.resolve("a").resolve("b").resolve("c");

        Directories.createAndSync(nested);

        assertThat(nested).isDirectory();
    }

    @Test
    void acceptsExistingDirectory() throws IOException {
        Directories.createAndSync(this.directory);

        assertThat(this.directory).isDirectory();
    }

    @Test
    void rejectsPathThroughFile() throws IOException {
        Path file = Files.writeString(this.directory.resolve("data"), "not a directory");

        assertThatThrownBy(() -> Directories.createAndSync(file.resolve("spool"))).isInstanceOf(IOException.class);
    }

    @Test
    void ignoresMissingDirectoryOnSync() {
        Directories.sync(this.directory.resolve("missing"));

        assertThat(this.directory.resolve("missing")).doesNotExist();
    }

}
