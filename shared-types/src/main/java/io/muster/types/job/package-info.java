/**
 * Job specifications: what to run, how many times, where.
 *
 * <p>A spec is YAML or JSON text:
 * <pre>{@code
 * id: web                    # optional: the parser's id generator supplies one when absent
 * type: service              # service (default) | batch | system | sysbatch | operation (below)
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
 * <p>A job of type {@code operation} has steps run once over a target instead of groups (GRID's model; see
 * {@link io.muster.types.job.OperationSpec}). Every step is a barrier; a step with {@code tasks:} is a pipeline phase
 * each node walks on its own:
 * <pre>{@code
 * id: nginx-rollout
 * type: operation
 * target: {scope: group, value: web}   # required: all | group + value | node + value (id, hostname, name label)
 * strategy: fail-fast                  # fail-fast (default) | continue
 * max_concurrent_nodes: 50             # optional rolling batch; absent = all at once
 * retry_backoff: {base: 1s, cap: 1m}   # the defaults
 * steps:                               # 1-100
 *   - tasks:                           # a phase: 1-100 tasks
 *       - {backend: apt, action: update}
 *       - {backend: apt, action: install, params: {package: nginx}, max_retries: 3, timeout: 5m}
 *   - {backend: systemd, action: start, params: {unit: nginx}}   # a leaf step
 *   - condition: on_failure            # always (default) | on_success | on_failure; steps only, not a phase's tasks
 *     tasks: [{backend: ping, action: echo, params: {message: "rolled back"}}]
 *   - {driver: exec, command: sh, args: ["-c", "echo hi"], timeout: 10s}   # a group task's fields; name optional
 * }</pre>
 * A task is an action ({@code backend}, {@code action}, {@code params}: strings, YAML numbers and booleans taken as
 * written) or an exec/docker task ({@code driver} ...); {@code max_retries} 0-100 and {@code timeout} fit both.
 * Backend and action names are checked for syntax only: the server checks that the catalogue or a node offers them.
 * Job-level {@code constraints} further filter the target's nodes; {@code priority} and {@code timeout} are as above.
 *
 * <p>Entry points: {@link io.muster.types.job.JobSpecParser} (text to spec with located errors),
 * {@link io.muster.types.job.JobSpecJson} (canonical JSON), {@link io.muster.types.job.OneShotJobs}
 * (command and action jobs for a target; {@code JobSpecJson.operationGroup} is the group a worker runs for one
 * operation task). Limits are in {@link io.muster.types.job.JobSpecLimits}; restart and reschedule
 * semantics in {@link io.muster.types.job.RestartPolicy} and {@link io.muster.types.job.ReschedulePolicy};
 * constraint attributes and operators in {@link io.muster.types.job.NodeAttribute} and
 * {@link io.muster.types.job.ConstraintOperator}.
 *
 * <p>Reading is split by section: {@code SpecReader} (the job's own keys), {@code GroupReader},
 * {@code PolicyReader} (restart, reschedule), {@code TaskReader} (with env and resources),
 * {@code ConstraintReader} and {@code OperationReader} (an operation's keys and steps), all over
 * {@code SpecValues}' typed value readers. The located tree and the
 * "did you mean" suggester are {@link io.muster.types.yaml}'s, shared with the config reader.
 *
 * <p>May import: {@code io.muster.types.yaml} and Jackson (core and the YAML parser). Nothing of a runtime
 * (Vert.x, gRPC, Ratis) and no other Muster module: servers, workers and tools all depend on this package.
 */
package io.muster.types.job;
