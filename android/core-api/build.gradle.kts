// What the app sees of the core: interfaces and model types, no uniffi.
plugins { id("org.jetbrains.kotlin.jvm") }
kotlin { jvmToolchain(17) }
dependencies { api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2") }
