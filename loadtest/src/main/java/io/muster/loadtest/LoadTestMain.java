package io.muster.loadtest;

/** {@code java -cp ... io.muster.loadtest.LoadTestMain [options]}: the load test without the CLI (run-local.sh uses it). */
public final class LoadTestMain {
    private LoadTestMain() {}

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) System.setProperty("logback.configurationFile", "muster-loadtest-logback.xml");
        System.exit(LoadTestCommand.run(args));
    }
}
