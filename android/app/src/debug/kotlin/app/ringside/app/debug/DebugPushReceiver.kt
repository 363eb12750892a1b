package app.ringside.app.debug

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import app.ringside.app.push.PushHandler

/**
 * QA only (declared in the debug manifest, never in release): injects a push payload as if FCM
 * had delivered it, so a script can put the phone to sleep and make a call arrive:
 *
 *     adb shell am broadcast -a app.ringside.debug.PUSH -n app.ringside/.debug.DebugPushReceiver \
 *         --es payload '{"type":"call","call-id":"...","from-uri":"sip:1002@pbx.test",...}'
 *
 * The result line (`ring <uuid>`, `already ringing ...`) is the broadcast's result data.
 */
class DebugPushReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val payload = intent.getStringExtra("payload") ?: run {
            resultData = "error: no payload extra"
            return
        }
        val outcome = PushHandler.onPush(mapOf("payload" to payload))
        Log.i("RingsideDebugPush", outcome)
        resultData = outcome
    }
}
