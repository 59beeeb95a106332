package io.muster.loadtest.report;

/** A goal from the issue and what this run measured against it; {@code met} is null when the run did not measure it. */
public record TargetCheck(String name, String target, String measured, Boolean met) {}
