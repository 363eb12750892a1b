import Foundation
import RingsideKit

/// How the core's states read on screen; one place so every screen says the same.
public enum CallText {
    public static func endReason(_ reason: EndReason) -> String {
        switch reason {
        case .localHangup: return "Ended"
        case .remoteHangup: return "Ended by the other party"
        case .answeredElsewhere: return "Answered elsewhere"
        case .declinedElsewhere: return "Declined elsewhere"
        case .cancelled: return "Missed"
        case .busy: return "Busy"
        case .declined: return "Declined"
        case .unanswered: return "No answer"
        case .failed: return "Failed"
        }
    }

    public static func state(_ state: CallState) -> String {
        switch state {
        case .incoming: return "Incoming call"
        case .dialing: return "Calling…"
        // With early media the sound is the far end's own (a queue, an IVR): say so.
        case .remoteRinging(let earlyMedia): return earlyMedia ? "Ringing · audio from the line" : "Ringing…"
        case .active: return "Connected"
        case .held(let byRemote): return byRemote ? "Held by the other party" : "On hold"
        case .ended(let reason, _): return endReason(reason)
        }
    }

    public static func registration(_ state: RegistrationState) -> String {
        switch state {
        case .unregistered: return "Not registered"
        case .registering: return "Registering…"
        case .registered(_, let push): return push ? "Registered (push)" : "Registered"
        case .failed(let code, let reason, _): return "Failed: \(code) \(reason)"
        }
    }

    public static func isRegistered(_ state: RegistrationState) -> Bool {
        if case .registered = state { return true }
        return false
    }

    /// The history line under a call: answered elsewhere is its own outcome, never "missed".
    public static func historyOutcome(_ entry: CallLogEntry) -> String {
        if entry.missed { return "Missed" }
        if let reason = entry.reason, reason == .answeredElsewhere || reason == .declinedElsewhere {
            return endReason(reason)
        }
        switch entry.direction {
        case .incoming: return entry.answeredMs == nil ? (entry.reason.map(endReason) ?? "Not answered") : "Incoming"
        case .outgoing: return entry.answeredMs == nil ? (entry.reason.map(endReason) ?? "Not answered") : "Outgoing"
        }
    }

    public static func duration(ms: Int64?) -> String {
        guard let ms, ms > 0 else { return "" }
        let seconds = ms / 1000
        return String(format: "%lld:%02lld", seconds / 60, seconds % 60)
    }

    public static func date(ms: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(ms) / 1000).formatted(date: .abbreviated, time: .shortened)
    }
}
