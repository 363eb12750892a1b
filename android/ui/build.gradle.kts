// Common-Compose screens and presenters. One source tree (src/main/kotlin) compiled for two
// targets: Android (the app) and the desktop JVM (the UI tests and screenshots that run where no
// SDK exists). Both are JVM targets, so the sources may use java.time (API 26+, minSdk 27).
plugins {
    id("org.jetbrains.kotlin.multiplatform")
    id("com.android.library")
    id("org.jetbrains.kotlin.plugin.compose")
    id("org.jetbrains.compose")
}

kotlin {
    androidTarget()
    jvm("desktop")
    jvmToolchain(17)
    sourceSets {
        commonMain.dependencies {
            api(project(":core-api"))
            implementation(compose.runtime)
            implementation(compose.foundation)
            implementation(compose.material3)
            implementation(compose.ui)
        }
        androidMain { kotlin.srcDir("src/main/kotlin") }
        val desktopMain by getting { kotlin.srcDir("src/main/kotlin") }
        val desktopTest by getting {
            kotlin.srcDir("src/test/kotlin")
            dependencies {
                implementation(project(":core-test"))
                implementation(compose.desktop.currentOs)
                implementation(compose.desktop.uiTestJUnit4)
                implementation("org.jetbrains.kotlinx:kotlinx-coroutines-test:1.10.2")
                implementation("junit:junit:4.13.2")
            }
        }
    }
}

android {
    namespace = "app.ringside.ui"
    compileSdk = 35
    defaultConfig { minSdk = 27 }
}

tasks.withType<Test>().configureEach {
    systemProperty("ringside.screenshots", rootDir.resolve("../target/android-screenshots").path)
    systemProperty("skiko.renderApi", "SOFTWARE")
    systemProperty("java.awt.headless", "true")
}
