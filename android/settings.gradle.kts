// The Android shell (android/README.md). Built with the Android SDK and AGP; on machines without
// them, scripts/test-android compiles and tests the same sources on the JVM.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "ringside"
include(":push", ":core-api", ":core-test", ":core-impl", ":ui", ":app")
