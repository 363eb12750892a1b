// core-api over the uniffi bindings, generated into build/generated/uniffi by scripts/bindings
// (never committed); the .so comes from scripts/build-android into app/src/main/jniLibs.
plugins { id("org.jetbrains.kotlin.jvm") }
kotlin { jvmToolchain(17) }
val uniffiDir = layout.buildDirectory.dir("generated/uniffi")
val generateBindings by tasks.registering(Exec::class) {
    workingDir = rootDir.parentFile
    commandLine("scripts/bindings", uniffiDir.get().asFile.path)
    outputs.dir(uniffiDir)
}
sourceSets["main"].kotlin.srcDir(uniffiDir.map { it.dir("kotlin") })
tasks.named("compileKotlin") { dependsOn(generateBindings) }
dependencies {
    api(project(":core-api"))
    // The Android AAR flavour of JNA comes from the app; the JVM tests use the plain jar.
    compileOnly("net.java.dev.jna:jna:5.17.0")
    testImplementation("net.java.dev.jna:jna:5.17.0")
    testImplementation(project(":ui"))
    testImplementation(project(":core-test"))
    testImplementation("junit:junit:4.13.2")
    testImplementation("org.jetbrains.kotlinx:kotlinx-coroutines-test:1.10.2")
}
