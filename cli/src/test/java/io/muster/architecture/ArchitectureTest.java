package io.muster.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture as rules (the cli module sees every other module, so they are checked here, on main code only).
 * A rule that fails names the class and the dependency that broke it.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.muster");
        // The rules below are only as good as what they see: every module's main classes (and no test class).
        for (String c : java.util.List.of("io.muster.server.state.CommandApplier", "io.muster.worker.WorkerDaemon", "io.muster.pki.Csrs",
                "io.muster.types.config.ConfigLoader", "io.muster.types.yaml.SourceTree", "io.muster.client.MusterClient",
                "io.muster.loadtest.LoadTestRun", "io.muster.scheduler.Scheduler", "io.muster.cli.Main")) {
            org.junit.jupiter.api.Assertions.assertTrue(classes.contain(c), "not imported: " + c);
        }
        org.junit.jupiter.api.Assertions.assertFalse(classes.contain("io.muster.architecture.ArchitectureTest"));
    }

    @Test
    void theStateCoreIsPureNoNetworkNoRaftNoFilesNoClock() {
        noClasses().that().resideInAPackage("io.muster.server.state..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.grpc..", "org.apache.ratis..", "java.net..", "java.nio.file..",
                        "io.muster.server.api..", "io.muster.server.grpc..", "io.muster.server.raft..", "io.muster.server.leader..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Instant.class, "now")
                .because("apply is a pure function of (state, command, index): the proposer decides time, ids and randomness")
                .check(classes);
    }

    @Test
    void theWorkerNeverDependsOnTheServer() {
        noClasses().that().resideInAPackage("io.muster.worker..").should().dependOnClassesThat().resideInAPackage("io.muster.server..")
                .because("workers speak to servers over the wire protocol only").check(classes);
    }

    @Test
    void sharedTypesAndPkiKnowNoRuntime() {
        noClasses().that().resideInAnyPackage("io.muster.types..", "io.muster.pki..", "io.muster.scheduler..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.grpc..", "io.netty..", "org.apache.ratis..",
                        "io.muster.server..", "io.muster.worker..", "io.muster.cli..", "io.muster.loadtest..", "io.muster.proto..",
                        "io.muster.client..")
                .because("they are libraries every runtime uses").check(classes);
    }

    @Test
    void theLocatedYamlReaderNeedsOnlyJackson() {
        classes().that().resideInAPackage("io.muster.types.yaml..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "com.fasterxml.jackson..", "io.muster.types.yaml..")
                .because("config and job spec reading share it; it must not pull either in").check(classes);
    }

    @Test
    void theApiClientStandsAlone() {
        classes().that().resideInAPackage("io.muster.client..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax..", "com.fasterxml.jackson..", "io.muster.client..")
                .because("any module or tool may depend on the API client, so it depends on no other Muster module and no runtime")
                .check(classes);
    }

    @Test
    void theLoadTestSpeaksTheWireProtocolOnly() {
        noClasses().that().resideInAPackage("io.muster.loadtest..").and().resideOutsideOfPackage("io.muster.loadtest.local..")
                .should().dependOnClassesThat().resideInAnyPackage("io.muster.server..", "io.muster.worker..", "io.vertx..", "org.apache.ratis..")
                .because("it measures a real cluster from outside, as workers and operators reach it").check(classes);
        // The local cluster launches real servers (it bootstraps them with the server's own code), but no worker.
        noClasses().that().resideInAPackage("io.muster.loadtest.local..")
                .should().dependOnClassesThat().resideInAPackage("io.muster.worker..")
                .because("simulated workers are written from the protocol, not from the real worker").check(classes);
    }

    @Test
    void theLoadTestCallsTheRestApiThroughTheOneClient() {
        noClasses().that().resideInAPackage("io.muster.loadtest..")
                .should().dependOnClassesThat().resideInAPackage("java.net.http..")
                .because("REST calls and the answers' model live in io.muster.client.MusterClient and its records").check(classes);
    }

    @Test
    void theCliBindsItsCommandsAndDaemonsDirectly() {
        noClasses().that().resideInAPackage("io.muster.cli..")
                .should().callMethod(Class.class, "forName", String.class)
                .because("the cli depends on the server, worker and load test modules: a missing class is a build error, not a runtime fallback")
                .check(classes);
        // Subcommands picks one of a command class's own @Command methods by name (what picocli does for all of them,
        // see docs/BENCHMARKS.md "CLI start time"): java.lang.reflect.Method there, and nothing else of reflection anywhere.
        noClasses().that().resideInAPackage("io.muster.cli..").and().doNotHaveFullyQualifiedName("io.muster.cli.Subcommands")
                .should().dependOnClassesThat().resideInAPackage("java.lang.reflect..")
                .because("the cli depends on the server, worker and load test modules: a missing class is a build error, not a runtime fallback")
                .check(classes);
        noClasses().that().haveFullyQualifiedName("io.muster.cli.Subcommands")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe("java.lang.reflect other than Method",
                        c -> c.getPackageName().equals("java.lang.reflect") && !c.getName().equals("java.lang.reflect.Method")))
                .check(classes);
    }

    @Test
    void theRestAndGrpcLayersDoNotReachIntoEachOther() {
        noClasses().that().resideInAPackage("io.muster.server.tls..")
                .should().dependOnClassesThat().resideInAnyPackage("io.muster.server.api..", "io.muster.server.grpc..", "io.vertx..")
                .because("the server's identity knows nothing of the layers that use it").check(classes);
    }

    @Test
    void theRestApiKnowsTheWorkerEndpointOnlyThroughNarrowInterfaces() {
        noClasses().that().resideInAPackage("io.muster.server.api..")
                .should().dependOnClassesThat().resideInAPackage("io.muster.server.grpc..")
                .because("REST handlers read leases and task logs through Leases and TaskLogs, built by the composition root")
                .check(classes);
    }

    @Test
    void onlyTheCompositionRootBuildsLeaderServices() {
        // The leader package's classes (the lease, scheduler, GC and divergence services, the status batcher, the
        // bootstrapper and announcer) are built by MusterServer, or inside that package; the REST and worker layers get
        // them, or a narrow interface of them (Leases, Heartbeats), through their constructors.
        DescribedPredicate<JavaConstructorCall> leaderConstructor = DescribedPredicate.describe("a constructor of io.muster.server.leader..",
                call -> call.getTargetOwner().getPackageName().startsWith("io.muster.server.leader"));
        noClasses().that().resideOutsideOfPackages("io.muster.server", "io.muster.server.leader..")
                .should().callConstructorWhere(leaderConstructor)
                .because("io.muster.server.MusterServer is the composition root: leader services are built once and handed down")
                .check(classes);
    }

    @Test
    void theRestAndGrpcLayersSeeRaftOnlyThroughItsNarrowViews() {
        noClasses().that().resideInAnyPackage("io.muster.server.api..", "io.muster.server.grpc..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.muster.server.raft.RaftNode")
                .orShould().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
                .because("they get RaftStatus, RaftAdmin, RaftLogView and the Proposer from the composition root")
                .check(classes);
    }

    @Test
    void theServiceLayerKnowsNoTransport() {
        noClasses().that().resideInAPackage("io.muster.server.service..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.grpc..", "io.muster.server.api..", "io.muster.server.grpc..")
                .because("the REST routes and the client gRPC services share it: one implementation, two thin transports")
                .check(classes);
    }
}
