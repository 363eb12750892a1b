package app.ringside.app.push

import app.ringside.app.AppGraph
import app.ringside.core.api.PushAction
import app.ringside.push.ParsedPush
import app.ringside.push.PushPayloadReader
import app.ringside.push.PushType

/**
 * One push, from FCM or from the debug receiver: the core decides synchronously (`handlePush`
 * never blocks), and a ringing call is reported to Telecom, its foreground service started and
 * its notification posted before this returns, while Android still lets a high-priority message
 * start a foreground service.
 */
object PushHandler {
    /** @return what was done, for logs and the QA receiver's result. */
    fun onPush(data: Map<String, String>, graph: AppGraph = AppGraph.get()): String {
        val json = data.toJson()
        // Only a call push starts the foreground service; a malformed one still goes to the core,
        // which answers with a hint to end (and logs it once).
        val parsed = PushPayloadReader.fromJson(json)
        if (parsed is ParsedPush.Ok && parsed.payload.type != PushType.CALL) return wakeOnly(json, graph, parsed.payload.type)
        val hint = graph.core().handlePush(json.toByteArray(Charsets.UTF_8))
        return when (val action = hint.action) {
            PushAction.Ring -> {
                graph.telecom.reportIncoming(hint.call, hint.caller, hint.displayName)
                "ring ${hint.call}"
            }
            PushAction.AlreadyRinging -> "already ringing ${hint.call}"
            is PushAction.End -> "ended ${hint.call}: ${action.reason}"
        }
    }

    /** cancel, mwi, register-wakeup: the core acts (re-registers, ends a call); nothing rings. */
    private fun wakeOnly(json: String, graph: AppGraph, type: PushType): String {
        val hint = graph.core().handlePush(json.toByteArray(Charsets.UTF_8))
        return "handled ${type.wire} ${hint.call}"
    }

    /** An FCM data message is a flat string map; the core reads the same keys as JSON. */
    fun Map<String, String>.toJson(): String {
        // A data message delivered whole as one JSON string (the gateway's "payload" key).
        this["payload"]?.let { return it }
        val obj = com.google.gson.JsonObject()
        for ((k, v) in this) obj.addProperty(k, v)
        return obj.toString()
    }
}
