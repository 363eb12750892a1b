import Foundation
import os
import RingsideCore

/// The core's tracing output into the unified log, one Logger per target (module path), so
/// Console.app can filter `subsystem:app.ringside category:ringside_core::push`. The core
/// never logs secrets; messages are public so field logs are readable.
public final class OSLogSink: LogSink, @unchecked Sendable {
    private let subsystem: String
    private let lock = NSLock()
    private var loggers: [String: Logger] = [:]

    public init(subsystem: String = "app.ringside") {
        self.subsystem = subsystem
    }

    public func log(level: LogLevel, target: String, message: String) {
        let logger = self.logger(for: target)
        logger.log(level: Self.type(level), "\(message, privacy: .public)")
    }

    private func logger(for target: String) -> Logger {
        lock.lock()
        defer { lock.unlock() }
        if let logger = loggers[target] { return logger }
        let logger = Logger(subsystem: subsystem, category: target)
        loggers[target] = logger
        return logger
    }

    static func type(_ level: LogLevel) -> OSLogType {
        switch level {
        case .error: return .error
        case .warn: return .default
        case .info: return .info
        case .debug, .trace: return .debug
        }
    }
}
