package app.ringside.push

import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive

/**
 * The push payload (proto/push-payload.schema.json) as the Android shell reads it from an FCM
 * high-priority data message, before handing the same JSON to the core's `handle_push`.
 *
 * The shell needs its own reading for one decision the core cannot take for it: whether to
 * start the `phoneCall` foreground service at once (a `call`), or not (a `cancel`, `mwi`,
 * `register-wakeup`). The rules mirror the core's reader (rust-core/src/push/payload.rs), and
 * both are checked against the same vectors in proto/examples/push-payload.
 */
enum class PushType(val wire: String) {
    CALL("call"),
    CANCEL("cancel"),
    MWI("mwi"),
    REGISTER_WAKEUP("register-wakeup");

    companion object {
        fun fromWire(value: String): PushType? = entries.firstOrNull { it.wire == value }
    }
}

/** How a call ended before its INVITE reached the phone (a `cancel` push's `reason`). */
enum class CancelReason(val wire: String) {
    ANSWERED_ELSEWHERE("answered_elsewhere"),
    DECLINED_ELSEWHERE("declined_elsewhere"),
    CANCELLED("cancelled"),
    UNANSWERED("unanswered");

    companion object {
        fun fromWire(value: String): CancelReason? = entries.firstOrNull { it.wire == value }
    }
}

data class PushPayload(
    val type: PushType,
    val callId: String?,
    val fromUri: String?,
    val displayName: String?,
    val toUri: String?,
    /** Milliseconds since the Unix epoch, on the gateway's clock; null when it sent none (age unknown, not stale). */
    val sendTimeMs: Long?,
    val uuid: String?,
    val pushId: String?,
    val reason: CancelReason?,
) {
    /** A call push starts the foreground service and the Telecom call at once. */
    val startsCall: Boolean get() = type == PushType.CALL
}

sealed class ParsedPush {
    data class Ok(val payload: PushPayload) : ParsedPush()

    /** Still reported (then ended) when it named a call: the caller keeps what was readable. */
    data class Malformed(val error: String, val callId: String?, val fromUri: String?) : ParsedPush()
}

object PushPayloadReader {
    private val SEND_TIME = Regex("^[0-9]{1,16}$")

    /** The `data` map of an FCM message: every value a string. */
    fun fromFcmData(data: Map<String, String>): ParsedPush {
        val obj = JsonObject()
        data.forEach { (k, v) -> obj.addProperty(k, v) }
        return read(obj)
    }

    /** A payload as JSON text: the APNs shape, an FCM `data` map, or a whole FCM v1 message. */
    fun fromJson(json: String): ParsedPush {
        val root: JsonElement = try {
            JsonParser.parseString(json)
        } catch (e: Exception) {
            return ParsedPush.Malformed("the push payload is not a JSON object", null, null)
        }
        if (!root.isJsonObject) return ParsedPush.Malformed("the push payload is not a JSON object", null, null)
        val obj = root.asJsonObject
        val inner = obj.getAsJsonObject("message")?.getAsJsonObject("data") ?: obj.getAsJsonObject("data") ?: obj
        return read(inner)
    }

    private fun JsonObject.text(key: String): String? {
        val v = get(key) ?: return null
        if (!v.isJsonPrimitive || !(v as JsonPrimitive).isString) return null
        return v.asString.takeIf { it.isNotEmpty() }
    }

    private fun read(map: JsonObject): ParsedPush {
        val callId = map.text("call-id")?.takeIf { it.length <= 256 }
        val fromUri = map.text("from-uri")
        fun malformed(why: String) = ParsedPush.Malformed(why, callId, fromUri)

        val typeText = map.text("type") ?: return malformed("the push payload's type is missing")
        val type = PushType.fromWire(typeText) ?: return malformed("the push payload's type is not valid: \"$typeText\"")
        // Missing means the push's age is unknown (many gateways send none), not that it is bad.
        val sendTime = map.get("send-time")
        val sendTimeMs: Long? = when {
            sendTime == null || sendTime.isJsonNull -> null
            sendTime.isJsonPrimitive && sendTime.asJsonPrimitive.isString && sendTime.asString.isEmpty() -> null
            sendTime.isJsonPrimitive && sendTime.asJsonPrimitive.isNumber -> {
                val n = sendTime.asJsonPrimitive.asBigDecimal
                if (n.signum() < 0 || n.stripTrailingZeros().scale() > 0) return malformed("the push payload's send-time is not a count of milliseconds")
                n.toLong()
            }
            sendTime.isJsonPrimitive && sendTime.asJsonPrimitive.isString && SEND_TIME.matches(sendTime.asString) -> sendTime.asString.toLong()
            else -> return malformed("the push payload's send-time is not a count of milliseconds")
        }
        if (type == PushType.CALL || type == PushType.CANCEL) {
            if (callId == null) return malformed("the push payload's call-id is missing")
            if (fromUri == null) return malformed("the push payload's from-uri is missing")
            if (!(fromUri.startsWith("sip:") || fromUri.startsWith("sips:") || fromUri.startsWith("tel:"))) {
                return malformed("the push payload's from-uri is not valid: not a sip:, sips: or tel: URI")
            }
            if (map.text("to-uri") == null) return malformed("the push payload's to-uri is missing")
        }
        val reasonText = map.text("reason")
        val reason = reasonText?.let { CancelReason.fromWire(it) ?: return malformed("the push payload's reason is not valid: \"$it\"") }
        return ParsedPush.Ok(
            PushPayload(
                type = type,
                callId = callId,
                fromUri = fromUri,
                displayName = map.text("display-name"),
                toUri = map.text("to-uri"),
                sendTimeMs = sendTimeMs,
                uuid = map.text("uuid"),
                pushId = map.text("x-push-id"),
                reason = reason,
            ),
        )
    }
}
