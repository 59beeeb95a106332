package io.muster.worker.driver;

import java.util.Objects;

/**
 * Result of {@link TaskDriver#probe()}.
 *
 * @param driver the driver's name
 * @param usable whether tasks can be started with it on this node
 * @param detail for a usable driver what was found (e.g. the engine version); otherwise why not
 */
public record DriverAvailability(String driver, boolean usable, String detail) {

    public DriverAvailability {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(detail, "detail");
    }

    public static DriverAvailability usable(String driver, String detail) {
        return new DriverAvailability(driver, true, detail);
    }

    public static DriverAvailability unusable(String driver, String reason) {
        return new DriverAvailability(driver, false, reason);
    }
}
