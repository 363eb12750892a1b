// Fakes of core-api for presenters' and screens' tests.
plugins { id("org.jetbrains.kotlin.jvm") }
kotlin { jvmToolchain(17) }
dependencies { api(project(":core-api")) }
