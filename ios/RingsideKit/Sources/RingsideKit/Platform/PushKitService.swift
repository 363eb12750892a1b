import Foundation
import PushKit

/// VoIP pushes through PushKit, delivered on a private queue (not main): the handler may
/// wait a moment for a phone that is still starting, and must report the call to CallKit
/// before calling the completion.
public final class PushKitService: NSObject, PushService, PKPushRegistryDelegate {
    private let queue = DispatchQueue(label: "app.ringside.push")
    private var registry: PKPushRegistry?
    private var onToken: ((Data?) -> Void)?
    private var onPush: ((Data, @escaping () -> Void) -> Void)?

    public override init() {
        super.init()
    }

    /// Call from `application(_:didFinishLaunchingWithOptions:)`: a push-woken launch
    /// delivers the push as soon as the registry exists.
    public func start(onToken: @escaping (Data?) -> Void, onPush: @escaping (Data, @escaping () -> Void) -> Void) {
        self.onToken = onToken
        self.onPush = onPush
        let registry = PKPushRegistry(queue: queue)
        registry.delegate = self
        registry.desiredPushTypes = [.voIP]
        self.registry = registry
    }

    public func pushRegistry(_ registry: PKPushRegistry, didUpdate pushCredentials: PKPushCredentials, for type: PKPushType) {
        guard type == .voIP else { return }
        onToken?(pushCredentials.token)
    }

    public func pushRegistry(_ registry: PKPushRegistry, didInvalidatePushTokenFor type: PKPushType) {
        guard type == .voIP else { return }
        onToken?(nil)
    }

    public func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload,
                             for type: PKPushType, completion: @escaping () -> Void) {
        guard type == .voIP, let onPush else {
            completion()
            return
        }
        onPush(Self.envelope(payload.dictionaryPayload), completion)
    }

    /// The payload as the JSON the core parses (the custom keys beside `aps`).
    static func envelope(_ dictionary: [AnyHashable: Any]) -> Data {
        var object: [String: Any] = [:]
        for (key, value) in dictionary {
            if let key = key as? String { object[key] = value }
        }
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object)
        else { return Data() }
        return data
    }
}
