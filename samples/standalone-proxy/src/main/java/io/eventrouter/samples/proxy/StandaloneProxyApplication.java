package io.eventrouter.samples.proxy;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The router as a standalone proxy: browsers, apps and servers upload to it as they would to
 * Amplitude, and it forwards their events to Amplitude. Everything comes from router-web's
 * auto-configuration and {@code application.yml}.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class StandaloneProxyApplication {

    public static void main(String[] args) {
        SpringApplication.run(StandaloneProxyApplication.class, args);
    }

}
