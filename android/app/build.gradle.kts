// The Android app: Activity, Telecom, FCM, services (android/README.md). Needs the Android SDK;
// the .so comes from scripts/build-android (cargo ndk) into src/main/jniLibs.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}
// FCM needs the project's google-services.json (not in the repo: each deployment has its own).
if (file("google-services.json").exists()) apply(plugin = "com.google.gms.google-services")

android {
    namespace = "app.ringside.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "app.ringside"
        minSdk = 27
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }
    // main: framework code (type-checked on the JVM by scripts/test-android); core: the core's
    // wiring over core-impl; google: what needs Google's artifacts (Firebase, androidx, CameraX);
    // portable: platform-free parts, unit-tested on the JVM (src/test).
    sourceSets["main"].kotlin.srcDirs("src/main/kotlin", "src/core/kotlin", "src/google/kotlin", "src/portable/kotlin")
    sourceSets["test"].kotlin.srcDir("src/test/kotlin")
    sourceSets["debug"].kotlin.srcDir("src/debug/kotlin")
    sourceSets["androidTest"].kotlin.srcDir("src/androidTest/kotlin")
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    buildTypes {
        release {
            isMinifyEnabled = true
            // uniffi calls into JNA by reflection: keep both.
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
}

val generateNativeLibs by tasks.registering(Exec::class) {
    description = "Builds libringside_ffi.so for every ABI (cargo ndk)"
    workingDir = rootDir.parentFile
    commandLine("scripts/build-android", "release")
    onlyIf { System.getenv("ANDROID_NDK_HOME") != null && !file("src/main/jniLibs/arm64-v8a/libringside_ffi.so").exists() }
}
tasks.named("preBuild") { dependsOn(generateNativeLibs) }

dependencies {
    implementation(project(":push"))
    implementation(project(":core-api"))
    implementation(project(":core-impl"))
    implementation(project(":ui"))
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("com.google.code.gson:gson:2.11.0")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-runtime-ktx:2.8.7")
    implementation(platform("com.google.firebase:firebase-bom:33.7.0"))
    implementation("com.google.firebase:firebase-messaging")
    implementation("androidx.camera:camera-camera2:1.4.1")
    implementation("androidx.camera:camera-lifecycle:1.4.1")
    implementation("androidx.camera:camera-view:1.4.1")
    implementation("com.google.zxing:core:3.5.3")

    androidTestImplementation(project(":core-api"))
    androidTestImplementation("androidx.test:runner:1.6.2")
    androidTestImplementation("androidx.test.ext:junit:1.2.1")
    androidTestImplementation("androidx.test.uiautomator:uiautomator:2.3.0")
    androidTestImplementation("androidx.compose.ui:ui-test-junit4:1.7.6")
    debugImplementation("androidx.compose.ui:ui-test-manifest:1.7.6")
}
