package app.ringside.core.test

import app.ringside.core.api.RingsideCore

/** A whole fake core, for the app's wiring and the screens' tests. */
class FakeRingsideCore(
    override val calls: FakeCallService = FakeCallService(),
    override val accounts: FakeAccountService = FakeAccountService(),
    override val contacts: FakeContactsService = FakeContactsService(),
    override val history: FakeHistoryService = FakeHistoryService(),
    override val voicemail: FakeVoicemailService = FakeVoicemailService(),
    override val provisioning: FakeProvisioningParser = FakeProvisioningParser(),
) : RingsideCore {
    var networkChanges = 0
    var shutDown = false
    override fun formatNumber(number: String): String =
        if (number.startsWith("+33") && number.length == 12) "+33 ${number[3]} " + number.substring(4).chunked(2).joinToString(" ") else number
    override fun networkChanged() {
        networkChanges++
    }
    override suspend fun shutdown() {
        shutDown = true
    }
}
