package app.ringside.push

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The shared vectors in proto/examples/push-payload, read as the Rust core reads them. */
class PushPayloadTest {
    private fun vectors(kind: String): List<File> {
        val root = System.getProperty("ringside.proto") ?: error("-Dringside.proto=<repo>/proto")
        val files = File(root, "examples/push-payload/$kind").listFiles { f -> f.name.endsWith(".json") }.orEmpty().sortedBy { it.name }
        assertTrue("no $kind vectors under $root", files.isNotEmpty())
        return files
    }

    @Test
    fun everyValidVectorReads() {
        for (f in vectors("valid")) {
            val parsed = PushPayloadReader.fromJson(f.readText())
            assertTrue("${f.name}: $parsed", parsed is ParsedPush.Ok)
        }
    }

    @Test
    fun everyInvalidVectorIsMalformedAndKeepsWhatItCould() {
        for (f in vectors("invalid")) {
            val parsed = PushPayloadReader.fromJson(f.readText())
            assertTrue("${f.name}: $parsed", parsed is ParsedPush.Malformed)
        }
    }

    @Test
    fun fcmDataMapsReadLikeTheApnsShape() {
        val data = mapOf("type" to "call", "call-id" to "c1", "from-uri" to "sip:a@h", "to-uri" to "sip:1001@h", "send-time" to "5")
        val apns = """{"aps":{},"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h","send-time":5}"""
        assertEquals(PushPayloadReader.fromJson(apns), PushPayloadReader.fromFcmData(data))
        val ok = PushPayloadReader.fromFcmData(data) as ParsedPush.Ok
        assertTrue(ok.payload.startsCall)
    }

    @Test
    fun aCallWithoutSendTimeIsOfUnknownAgeNotMalformed() {
        val ok = PushPayloadReader.fromJson("""{"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h"}""") as ParsedPush.Ok
        assertEquals(null, ok.payload.sendTimeMs)
        assertTrue(ok.payload.startsCall)
    }

    @Test
    fun aCancelCarriesItsReason() {
        val cancel = """{"type":"cancel","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h","send-time":5,"reason":"answered_elsewhere"}"""
        val ok = PushPayloadReader.fromJson(cancel) as ParsedPush.Ok
        assertEquals(CancelReason.ANSWERED_ELSEWHERE, ok.payload.reason)
        assertTrue(!ok.payload.startsCall)
    }

    @Test
    fun garbageIsMalformedNotAnException() {
        assertTrue(PushPayloadReader.fromJson("not json {") is ParsedPush.Malformed)
        assertTrue(PushPayloadReader.fromJson("[1,2]") is ParsedPush.Malformed)
    }
}
