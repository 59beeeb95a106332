/**
 * Job specifications: what to run, how many times, where.
 *
 * <p>A spec is YAML or JSON text:
 * <pre>{@code
 * id: web                    # optional: the parser's id generator supplies one when absent
 * type: service              # service (default) | batch | system | sysbatch
 * priority: 50               # 1-100
 * timeout: 1h                # whole job; optional
 * constraints:               # optional, job level; groups may have their own too
 *   - {attribute: "label.role", operator: "=", value: "web"}
 * groups:
 *   - name: frontend
 *     count: 4               # default 1; must be 1 (or absent) for system / sysbatch
 *     placement: spread      # pack (default) | spread
 *     restart:    {attempts: 2, delay: 15s, max_delay: 5m, mode: fail}
 *     reschedule: {attempts: unlimited, delay: 30s, max_delay: 1h}
 *     tasks:
 *       - name: server
 *         driver: exec       # exec | docker
 *         command: sleep     # required for exec; for docker, the command run in the image
 *         args: ["300"]
 *         image: local/busybox:1   # docker only, required there
 *         env: {GREETING: hi}
 *         resources: {cpu: 100, memory: 64}   # MHz-like CPU shares, MiB
 *         timeout: 30        # seconds (or "30s", "5m", "1h30m"); optional
 *         network: false     # docker only
 *         workdir: /srv      # optional, absolute
 *         user: nobody       # optional: name, uid or uid:gid
 * }</pre>
 *
 * <p>Entry points: {@link io.muster.types.job.JobSpecParser} (text to spec with located errors),
 * {@link io.muster.types.job.JobSpecJson} (canonical JSON), {@link io.muster.types.job.OneShotJobs}
 * (command jobs for a target). Limits are in {@link io.muster.types.job.JobSpecLimits}; restart and reschedule
 * semantics in {@link io.muster.types.job.RestartPolicy} and {@link io.muster.types.job.ReschedulePolicy};
 * constraint attributes and operators in {@link io.muster.types.job.NodeAttribute} and
 * {@link io.muster.types.job.ConstraintOperator}.
 *
 * <p>Reading is split by section: {@code SpecReader} (the job's own keys), {@code GroupReader},
 * {@code PolicyReader} (restart, reschedule), {@code TaskReader} (with env and resources) and
 * {@code ConstraintReader}, all over {@code SpecValues}' typed value readers. The located tree and the
 * "did you mean" suggester are {@link io.muster.types.yaml}'s, shared with the config reader.
 *
 * <p>May import: {@code io.muster.types.yaml} and Jackson (core and the YAML parser). Nothing of a runtime
 * (Vert.x, gRPC, Ratis) and no other Muster module: servers, workers and tools all depend on this package.
 */
package io.muster.types.job;
