// Plugin versions for every module (android/README.md): AGP for the app and the ui library's
// Android target, Kotlin 2.1 with its Compose compiler, Compose Multiplatform 1.8.2 (the same
// Compose the desktop tests pin in jvm-deps/pom.xml).
plugins {
    id("com.android.application") version "8.7.3" apply false
    id("com.android.library") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.1.21" apply false
    id("org.jetbrains.kotlin.jvm") version "2.1.21" apply false
    id("org.jetbrains.kotlin.multiplatform") version "2.1.21" apply false
    id("org.jetbrains.kotlin.plugin.compose") version "2.1.21" apply false
    id("org.jetbrains.compose") version "1.8.2" apply false
    id("com.google.gms.google-services") version "4.4.2" apply false
}
