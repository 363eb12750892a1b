package app.ringside.core.test

import app.ringside.core.api.PushAction
import app.ringside.core.api.PushHint
import app.ringside.core.api.RingsideCore

/** A whole fake core, for the app's wiring and the screens' tests. */
class FakeRingsideCore(
    override val calls: FakeCallService = FakeCallService(),
    override val accounts: FakeAccountService = FakeAccountService(),
    override val contacts: FakeContactsService = FakeContactsService(),
    override val history: FakeHistoryService = FakeHistoryService(),
    override val voicemail: FakeVoicemailService = FakeVoicemailService(),
    override val settings: FakeSettingsService = FakeSettingsService(),
    override val provisioning: FakeProvisioningParser = FakeProvisioningParser(),
) : RingsideCore {
    var networkChanges = 0
    var shutDown = false
    override fun formatNumber(number: String): String =
        if (number.startsWith("+33") && number.length == 12) "+33 ${number[3]} " + number.substring(4).chunked(2).joinToString(" ") else number
    val pushes = mutableListOf<String>()
    var pushToken: String? = null

    /** A push rings a new call in [calls] (once per call-id), like the core's hint. */
    override fun handlePush(payload: ByteArray): PushHint {
        val text = String(payload)
        val callId = Regex("\"call-id\"\\s*:\\s*\"([^\"]+)\"").find(text)?.groupValues?.get(1)
        val from = Regex("\"from-uri\"\\s*:\\s*\"([^\"]+)\"").find(text)?.groupValues?.get(1) ?: "unknown"
        if (callId == null) return PushHint("bad-push", from, null, PushAction.End(app.ringside.core.api.EndReason.FAILED, "unreadable payload"))
        if (callId in pushes) return PushHint("push-$callId", from, null, PushAction.AlreadyRinging)
        pushes += callId
        calls.ring(from)
        return PushHint("push-$callId", from, null, PushAction.Ring)
    }

    override suspend fun setPushToken(fcmToken: String?, projectId: String?) {
        pushToken = fcmToken
    }

    override fun networkChanged() {
        networkChanges++
    }
    override suspend fun shutdown() {
        shutDown = true
    }
}
