package io.eventrouter.web.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.ScriptTimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.remote.http.ClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Headless Debian Chromium driven through Selenium and Debian's chromedriver, with a
 * fresh profile that is deleted on {@link #close()}.
 *
 * <p>Both binaries are passed to Selenium explicitly, so Selenium Manager never tries to
 * download a browser or a driver. Chromium's host resolver rules make every host name
 * fail to resolve, so a request that an SDK sends to an Amplitude host by default fails
 * with {@code net::ERR_NAME_NOT_RESOLVED} instead of reaching the internet.
 *
 * <p>One instance drives one browser window and is not thread-safe.
 */
public final class HeadlessChromium implements AutoCloseable {

    /** Debian's {@code chromium} package installs the browser here. */
    public static final Path CHROMIUM_BINARY = Path.of("/usr/bin/chromium");

    /** Debian's {@code chromium-driver} package installs the driver here. */
    public static final Path CHROMEDRIVER_BINARY = Path.of("/usr/bin/chromedriver");

    /** Script timeout that {@link #executeAsync(String, Object...)} applies. */
    public static final Duration DEFAULT_SCRIPT_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration PAGE_LOAD_TIMEOUT = Duration.ofSeconds(30);

    // Bounds every WebDriver command, so a hung browser fails the test instead of stalling it.
    private static final Duration DRIVER_READ_TIMEOUT = Duration.ofSeconds(90);

    private static final Logger logger = LoggerFactory.getLogger(HeadlessChromium.class);

    private final Path profileDirectory;

    private final ChromeDriver driver;

    private final Path screenshotDirectory;

    /**
     * Starts Chromium and saves failure screenshots under {@code target/e2e-screenshots}
     * of the working directory.
     *
     * @throws IllegalStateException if Chromium or chromedriver is not installed
     */
    public HeadlessChromium() {
        this(Path.of("target", "e2e-screenshots"));
    }

    /**
     * Starts Chromium and saves failure screenshots under {@code screenshotDirectory}.
     *
     * @throws IllegalStateException if Chromium or chromedriver is not installed
     */
    public HeadlessChromium(Path screenshotDirectory) {
        requireExecutable(CHROMIUM_BINARY, "chromium");
        requireExecutable(CHROMEDRIVER_BINARY, "chromium-driver");
        this.screenshotDirectory = screenshotDirectory;
        try {
            this.profileDirectory = Files.createTempDirectory("event-router-chromium-");
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Failed to create a temporary Chromium profile directory", ex);
        }
        try {
            this.driver = startDriver(this.profileDirectory);
        }
        catch (RuntimeException ex) {
            deleteRecursively(this.profileDirectory);
            throw ex;
        }
        logger.info("Started Chromium {} with profile {}", this.driver.getCapabilities().getBrowserVersion(),
                this.profileDirectory);
    }

    private static void requireExecutable(Path binary, String debianPackage) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing or not executable. Install it with "
                    + "'apt-get install -y " + debianPackage + "' (.ci/test does this when run as root).");
        }
    }

    private static ChromeDriver startDriver(Path profileDirectory) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM_BINARY.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profileDirectory,
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
        // Keeps the page's console output, so a failure can show what the SDK logged.
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER_BINARY.toFile())
            .usingAnyFreePort()
            .build();
        ClientConfig clientConfig = ClientConfig.defaultConfig().readTimeout(DRIVER_READ_TIMEOUT);
        ChromeDriver driver = new ChromeDriver(service, options, clientConfig);
        driver.manage().timeouts().pageLoadTimeout(PAGE_LOAD_TIMEOUT);
        return driver;
    }

    /**
     * Navigates to {@code url} and waits until the page has loaded.
     */
    public void open(URI url) {
        this.driver.get(url.toString());
    }

    /**
     * Deletes the cookies that the current page can see, so an SDK starts without the
     * identity that an earlier run stored. Cookies belong to a host, not to a port.
     */
    public void deleteAllCookies() {
        this.driver.manage().deleteAllCookies();
    }

    /**
     * Runs {@code script} as an asynchronous WebDriver script with the
     * {@linkplain #DEFAULT_SCRIPT_TIMEOUT default timeout}.
     *
     * @see #executeAsync(Duration, String, Object...)
     */
    public Object executeAsync(String script, Object... arguments) {
        return executeAsync(DEFAULT_SCRIPT_TIMEOUT, script, arguments);
    }

    /**
     * Runs {@code script} in the current page and returns the value that it passes to
     * its callback, which WebDriver appends as the last element of {@code arguments}.
     * Selenium converts the value to Java: numbers to {@code Long} or {@code Double},
     * objects to {@code Map} and arrays to {@code List}.
     *
     * @throws IllegalStateException if the script throws or does not call its callback
     * within {@code timeout}. The message names the screenshot saved at that moment and
     * contains the browser console output.
     */
    public Object executeAsync(Duration timeout, String script, Object... arguments) {
        this.driver.manage().timeouts().scriptTimeout(timeout);
        try {
            return this.driver.executeAsyncScript(script, arguments);
        }
        catch (ScriptTimeoutException ex) {
            throw buildFailure("Script timed out after " + timeout.toMillis() + " ms", ex);
        }
        catch (WebDriverException ex) {
            throw buildFailure("Script failed", ex);
        }
    }

    /**
     * Builds an exception for a failed browser step, with a screenshot of the page and
     * its console output attached to the message.
     */
    public IllegalStateException buildFailure(String message, Throwable cause) {
        StringBuilder details = new StringBuilder(message);
        details.append(" on page ").append(currentUrlOrUnknown());
        Path screenshot = screenshotQuietly();
        if (screenshot != null) {
            details.append(". Screenshot: ").append(screenshot.toAbsolutePath());
        }
        List<String> console = consoleLog();
        if (!console.isEmpty()) {
            details.append(". Browser console:");
            console.forEach((line) -> details.append(System.lineSeparator()).append("  ").append(line));
        }
        return new IllegalStateException(details.toString(), cause);
    }

    private String currentUrlOrUnknown() {
        try {
            return this.driver.getCurrentUrl();
        }
        catch (WebDriverException ex) {
            return "(unknown: " + ex.getClass().getSimpleName() + ")";
        }
    }

    private Path screenshotQuietly() {
        String name = "chromium-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"))
                + ".png";
        try {
            return screenshot(this.screenshotDirectory.resolve(name));
        }
        catch (RuntimeException ex) {
            logger.warn("Failed to save a screenshot to {}", this.screenshotDirectory, ex);
            return null;
        }
    }

    /**
     * Saves a PNG screenshot of the current page to {@code target}, creating its parent
     * directories, and returns {@code target}.
     */
    public Path screenshot(Path target) {
        byte[] png = this.driver.getScreenshotAs(OutputType.BYTES);
        try {
            Path parent = target.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            return Files.write(target, png);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Failed to write screenshot " + target, ex);
        }
    }

    /**
     * Returns and clears the browser console entries logged since the previous call.
     */
    public List<String> consoleLog() {
        try {
            return this.driver.manage()
                .logs()
                .get(LogType.BROWSER)
                .getAll()
                .stream()
                .map(LogEntry::toString)
                .toList();
        }
        catch (WebDriverException ex) {
            logger.warn("Failed to read the browser console log", ex);
            return List.of();
        }
    }

    /**
     * Quits Chromium and chromedriver and deletes the profile directory.
     */
    @Override
    public void close() {
        try {
            this.driver.quit();
        }
        finally {
            deleteRecursively(this.profileDirectory);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(HeadlessChromium::deleteFile);
        }
        catch (IOException | UncheckedIOException ex) {
            logger.warn("Failed to delete the Chromium profile directory {}", directory, ex);
        }
    }

    private static void deleteFile(Path path) {
        try {
            Files.deleteIfExists(path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

}
