package app.ringside.ui.common

/** The semantics test tags the UI tests (desktop and on-device) find nodes by. */
object Tags {
    const val ACCOUNT_USERNAME = "account.username"
    const val ACCOUNT_DOMAIN = "account.domain"
    const val ACCOUNT_PASSWORD = "account.password"
    const val ACCOUNT_PROXY = "account.proxy"
    const val ACCOUNT_DISPLAY_NAME = "account.displayName"
    const val ACCOUNT_LINK = "account.link"
    const val ACCOUNT_APPLY_LINK = "account.applyLink"
    const val ACCOUNT_SCAN_QR = "account.scanQr"
    const val ACCOUNT_SAVE = "account.save"
    const val ACCOUNT_ERROR = "account.error"

    const val DIALER_NUMBER = "dialer.number"
    const val DIALER_CALL = "dialer.call"
    const val DIALER_BACKSPACE = "dialer.backspace"
    const val DIALER_SUGGESTION = "dialer.suggestion"
    fun dialerKey(key: Char) = "dialer.key.$key"

    const val INCOMING_SCREEN = "incoming"
    const val INCOMING_CALLER = "incoming.caller"
    const val INCOMING_ANSWER = "incoming.answer"
    const val INCOMING_DECLINE = "incoming.decline"
    const val INCOMING_DECLINE_EVERYWHERE = "incoming.declineEverywhere"

    const val IN_CALL_SCREEN = "inCall"
    const val IN_CALL_PEER = "inCall.peer"
    const val IN_CALL_STATUS = "inCall.status"
    const val IN_CALL_HOLD = "inCall.hold"
    const val IN_CALL_MUTE = "inCall.mute"
    const val IN_CALL_KEYPAD = "inCall.keypad"
    const val IN_CALL_HANGUP = "inCall.hangup"
    const val IN_CALL_TRANSFER = "inCall.transfer"
    const val IN_CALL_ADD_CALL = "inCall.addCall"
    const val IN_CALL_TARGET = "inCall.target"
    const val IN_CALL_TARGET_GO = "inCall.targetGo"
    const val IN_CALL_TARGET_CANCEL = "inCall.targetCancel"
    const val IN_CALL_COMPLETE_TRANSFER = "inCall.completeTransfer"
    const val IN_CALL_DTMF = "inCall.dtmf"
    fun route(name: String) = "inCall.route.$name"
    fun otherCall(id: String) = "inCall.other.$id"
    fun dtmfKey(key: Char) = "inCall.dtmf.$key"

    const val CONTACTS_SEARCH = "contacts.search"
    const val CONTACTS_SYNC = "contacts.sync"
    fun contact(id: String) = "contacts.item.$id"
    fun contactCall(number: String) = "contacts.call.$number"

    const val HISTORY_MARK_SEEN = "history.markSeen"
    const val HISTORY_MISSED = "history.missed"
    const val HISTORY_RECENT = "history.recent"
    fun historyRow(id: String) = "history.row.$id"

    const val VOICEMAIL_SYNC = "voicemail.sync"
    fun voicemailPlay(id: String) = "voicemail.play.$id"
    fun voicemailHeard(id: String) = "voicemail.heard.$id"
    fun voicemailDelete(id: String) = "voicemail.delete.$id"
    fun voicemailRow(id: String) = "voicemail.row.$id"

    const val SETTINGS_SAVE = "settings.save"
    fun settingsSrtp(mode: String) = "settings.srtp.$mode"
    fun settingsCodec(codec: String) = "settings.codec.$codec"
    fun settingsRemove(key: String) = "settings.remove.$key"
    const val SETTINGS_BUSY = "settings.busy"
    const val SETTINGS_DIRECTORY_URL = "settings.directoryUrl"
    const val SETTINGS_VOICEMAIL_URL = "settings.voicemailUrl"

    const val REGISTRATION_BANNER = "registration.banner"
    fun registrationLine(key: String) = "registration.line.$key"

    fun tab(name: String) = "tab.$name"
}
