package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.eventrouter.core.spool.MVStoreSpool;
import io.eventrouter.core.spool.MemorySpool;
import io.eventrouter.core.spool.Spool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolAutoConfigurationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner contextRunner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EventRouterAutoConfiguration.class))
                .withPropertyValues("router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"));
    }

    @Test
    void usesADurableMVStoreSpoolByDefault() {
        contextRunner()
                .withPropertyValues("router.spool.path=" + this.directory.resolve("spool"),
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> {
                    assertThat(context).getBean(Spool.class).isInstanceOf(MVStoreSpool.class);
                    assertThat(this.directory.resolve("spool").resolve("spool.mv.db")).isRegularFile();
                });
    }

    @Test
    void usesTheMemorySpoolWhenConfigured() {
        contextRunner()
                .withPropertyValues("router.spool.type=memory",
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> assertThat(context).getBean(Spool.class).isInstanceOf(MemorySpool.class));
    }

    @Test
    void rejectsTooSmallMaxSize() {
        contextRunner()
                .withPropertyValues("router.spool.path=" + this.directory.resolve("spool"),
                        "router.spool.max-size=512KB",
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("router.spool")
                        .hasStackTraceContaining("maxSize")
                        .hasStackTraceContaining("must be at least 1MB"));
    }

    @Test
    void rejectsSpoolPathUnderAFile() throws IOException {
        Path file = Files.createFile(this.directory.resolve("notes.txt"));

        contextRunner()
                .withPropertyValues("router.spool.path=" + file.resolve("spool"),
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasRootCauseInstanceOf(BindValidationException.class)
                        .hasStackTraceContaining("router.spool")
                        .hasStackTraceContaining("part of the path, " + file + ", is a file, not a directory"));
    }

    @Test
    void rejectsSpoolPathThatIsAFile() throws IOException {
        Path file = Files.createFile(this.directory.resolve("spool"));

        contextRunner()
                .withPropertyValues("router.spool.path=" + file,
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasRootCauseInstanceOf(BindValidationException.class)
                        .hasStackTraceContaining("router.spool")
                        .hasStackTraceContaining("is a file; name a directory, such as data/spool"));
    }

    @Test
    void ignoresSpoolPathOfTheMemorySpool() throws IOException {
        Path file = Files.createFile(this.directory.resolve("notes.txt"));

        contextRunner()
                .withPropertyValues("router.spool.type=memory", "router.spool.path=" + file.resolve("spool"),
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> assertThat(context).getBean(Spool.class).isInstanceOf(MemorySpool.class));
    }

    @Test
    void rejectsAnUnknownSyncPolicy() {
        contextRunner()
                .withPropertyValues("router.spool.path=" + this.directory.resolve("spool"),
                        "router.spool.sync=sometimes",
                        "router.destinations.file.path=" + this.directory.resolve("events.jsonl"))
                .run((context) -> assertThat(context).hasFailed());
    }

}
