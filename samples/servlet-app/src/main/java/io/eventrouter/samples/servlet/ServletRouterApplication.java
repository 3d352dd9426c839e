package io.eventrouter.samples.servlet;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC application on Tomcat with the router inside it. The bridge shares Tomcat's port
 * under {@code /amplitude}; controllers publish through the {@code EventPublisher} bean.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class ServletRouterApplication {

    public static void main(String[] args) {
        SpringApplication.run(ServletRouterApplication.class, args);
    }

}
