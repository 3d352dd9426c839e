package io.eventrouter.web.e2e;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one {@link HeadlessChromium} and one {@link SdkPageServer} for a test class and stops
 * both after its last test. Register it as a static field with {@code @RegisterExtension}.
 */
public final class BrowserExtension implements BeforeAllCallback, AfterAllCallback {

    private @Nullable SdkPageServer pageServer;

    private @Nullable HeadlessChromium chromium;

    @Override
    public void beforeAll(ExtensionContext context) {
        this.pageServer = new SdkPageServer();
        this.chromium = new HeadlessChromium();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (this.chromium != null) {
            this.chromium.close();
            this.chromium = null;
        }
        if (this.pageServer != null) {
            this.pageServer.close();
            this.pageServer = null;
        }
    }

    public HeadlessChromium chromium() {
        if (this.chromium == null) {
            throw new IllegalStateException("The browser runs only between beforeAll and afterAll");
        }
        return this.chromium;
    }

    public SdkPageServer pageServer() {
        if (this.pageServer == null) {
            throw new IllegalStateException("The page server runs only between beforeAll and afterAll");
        }
        return this.pageServer;
    }

}
