package app.ringside.core.api

/** The core's small error set (design §2), as the app acts on it. */
sealed class CoreException(message: String) : Exception(message) {
    class Network(reason: String) : CoreException(reason)
    class Auth(reason: String) : CoreException(reason)
    class NotFound(what: String) : CoreException("not found: $what")
    class Busy(reason: String) : CoreException(reason)
    class InvalidInput(reason: String) : CoreException(reason)
    class Other(reason: String) : CoreException(reason)
}
