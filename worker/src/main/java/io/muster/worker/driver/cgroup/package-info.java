/**
 * Resource limits for exec tasks through Linux control groups: one cgroup per task with its memory, CPU and pids
 * limits, an out-of-memory kill told apart from any other SIGKILL, usage read from the cgroup's own counters, and
 * everything left in the cgroup killed when the task ends (a task that calls setsid no longer escapes).
 *
 * <p>{@link io.muster.worker.driver.cgroup.Cgroups#detect} decides once, at worker start, between the unified
 * hierarchy (cgroup v2), the legacy per-controller hierarchies (cgroup v1, hybrid systems included) and "not
 * available, because ...", and proves the choice by creating and removing a probe cgroup. Nothing here reads a
 * clock or sleeps; every path is under a root given at construction, so tests run against a file tree too.
 */
package io.muster.worker.driver.cgroup;
