// The push payload reader: platform-free, tested against proto/examples/push-payload.
plugins { id("org.jetbrains.kotlin.jvm") }
kotlin { jvmToolchain(17) }
dependencies {
    implementation("com.google.code.gson:gson:2.11.0")
    testImplementation("junit:junit:4.13.2")
}
tasks.test { systemProperty("ringside.proto", rootDir.resolve("../proto").path) }
