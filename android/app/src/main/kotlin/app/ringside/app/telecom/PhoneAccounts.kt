package app.ringside.app.telecom

import android.content.ComponentName
import android.content.Context
import android.net.Uri
import android.telecom.PhoneAccount
import android.telecom.PhoneAccountHandle
import android.telecom.TelecomManager

/**
 * Ringside's self-managed PhoneAccount: Telecom arbitrates audio focus and other calls for us,
 * and the system never shows its own in-call UI (we draw ours).
 */
object PhoneAccounts {
    private const val ID = "ringside"

    fun handle(context: Context) = PhoneAccountHandle(ComponentName(context, RingsideConnectionService::class.java), ID)

    fun register(context: Context) {
        val account = PhoneAccount.builder(handle(context), "Ringside")
            .setCapabilities(PhoneAccount.CAPABILITY_SELF_MANAGED)
            .setSupportedUriSchemes(listOf(PhoneAccount.SCHEME_SIP, PhoneAccount.SCHEME_TEL))
            .setAddress(Uri.fromParts(PhoneAccount.SCHEME_SIP, "ringside", null))
            .build()
        context.getSystemService(TelecomManager::class.java).registerPhoneAccount(account)
    }
}
