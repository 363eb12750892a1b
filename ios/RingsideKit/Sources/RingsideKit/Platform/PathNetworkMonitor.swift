import Foundation
import Network

/// `NWPathMonitor`: a change of interface or of reachability is a new network for the core
/// (new flows, re-REGISTER, re-INVITE). The first update is the current path, not a change.
public final class PathNetworkMonitor: NetworkMonitor {
    private var monitor: NWPathMonitor?
    private let queue = DispatchQueue(label: "app.ringside.network")

    public init() {}

    public func start(onChange: @escaping @Sendable () -> Void) {
        stop()
        let monitor = NWPathMonitor()
        let filter = PathChangeFilter()
        monitor.pathUpdateHandler = { path in
            if filter.isChange(PathSignature(path)) { onChange() }
        }
        monitor.start(queue: queue)
        self.monitor = monitor
    }

    public func stop() {
        monitor?.cancel()
        monitor = nil
    }
}

/// Remembers the last path seen; only touched on the monitor's serial queue.
final class PathChangeFilter: @unchecked Sendable {
    private var last: PathSignature?

    func isChange(_ signature: PathSignature) -> Bool {
        defer { last = signature }
        guard let last else { return false }
        return last != signature
    }
}

/// What about a path matters to SIP: whether it is up and over which interfaces.
struct PathSignature: Equatable {
    let satisfied: Bool
    let interfaces: [String]

    init(_ path: NWPath) {
        satisfied = path.status == .satisfied
        interfaces = path.availableInterfaces.map(\.name)
    }
}
