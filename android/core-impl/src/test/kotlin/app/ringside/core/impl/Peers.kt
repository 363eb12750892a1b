package app.ringside.core.impl

import java.io.File
import java.net.DatagramPacket
import java.net.DatagramSocket
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/*
 * The testbed's real peers, started by the JVM tests the way tests/src/kamailio.rs and
 * tests/src/baresip.rs start them: Kamailio on tests/peers/pbx.cfg, baresip desk phones and
 * callers, each on free loopback ports, each owned by its PID and killed at the end, every wait
 * bounded.
 */

private val repo = File(System.getProperty("ringside.repo") ?: ".")

/** A UDP+TCP port pair free at the time of asking (Kamailio listens on both). */
fun freePort(): Int {
    repeat(50) {
        val port = DatagramSocket(0).use { it.localPort }
        if (runCatching { ServerSocket(port).close() }.isSuccess) return port
    }
    error("no free port")
}

/** A process we started, stopped by PID: TERM, then KILL after a bounded wait. */
class Owned(private val name: String, private val process: Process) : AutoCloseable {
    val pid: Long get() = process.pid()
    override fun close() {
        if (!process.isAlive) return
        process.destroy()
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            process.waitFor(2, TimeUnit.SECONDS)
        }
    }
    override fun toString() = "$name (pid $pid)"
}

fun waitFor(what: String, limitMs: Long, log: () -> String = { "" }, check: () -> Boolean) {
    val end = System.currentTimeMillis() + limitMs
    while (System.currentTimeMillis() < end) {
        if (check()) return
        Thread.sleep(25)
    }
    throw AssertionError("timed out after $limitMs ms waiting for $what\n${log().takeLast(4000)}")
}

class Kamailio private constructor(val domain: String, val port: Int, private val dir: File, private val process: Owned) : AutoCloseable {
    val proxy: String get() = "sip:127.0.0.1:$port"
    fun log(): String = File(dir, "kamailio.log").takeIf { it.exists() }?.readText() ?: ""
    override fun close() {
        process.close()
        dir.deleteRecursively()
    }

    companion object {
        private fun modules(): String = listOf(
            "/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
            "/usr/lib64/kamailio/modules", "/usr/lib/kamailio/modules",
        ).firstOrNull { File(it, "tm.so").exists() }?.let { "$it/" } ?: error("Kamailio modules not found (scripts/install-deps)")

        fun start(users: Map<String, String>, domain: String = "pbx.test"): Kamailio {
            val dir = Files.createTempDirectory("ringside-kamailio").toFile()
            val port = freePort()
            var text = File(repo, "tests/peers/pbx.cfg").readText()
            val userLines = users.entries.joinToString("") { (u, p) -> "\t\$sht(users=>$u) = \"$p\";\n" }
            val values = mapOf(
                "DEBUG" to "1", "CHILDREN" to "1", "DOMAIN" to domain, "UDP_PORT" to "$port", "TCP_PORT" to "$port", "TLS_PORT" to "0",
                "MODULES" to modules(), "NONCE_EXPIRE" to "300", "MIN_EXPIRES" to "1",
                "TLS_CFG" to File(dir, "tls.cfg").path, "CTL_SOCKET" to File(dir, "ctl.sock").path, "USERS" to userLines,
                "LISTEN_IP" to "127.0.0.1", "PUSH_URL" to "", "RING_TIMEOUT_MS" to "30000", "WAKE_TIMEOUT_MS" to "30000",
                "PBX_URI" to "", "HOLD_SECONDS" to "35",
            )
            for ((k, v) in values) text = text.replace("%%$k%%", v)
            File(dir, "kamailio.cfg").writeText(text)
            val process = ProcessBuilder("kamailio", "-f", File(dir, "kamailio.cfg").path, "-DD", "-E", "-w", dir.path, "-Y", dir.path)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(File(dir, "kamailio.log"))
                .start()
            val k = Kamailio(domain, port, dir, Owned("kamailio", process))
            try {
                k.waitReady()
            } catch (e: Throwable) {
                k.close()
                throw e
            }
            return k
        }
    }

    /** OPTIONS until it answers 200 (bounded), as the Rust harness does. */
    private fun waitReady() {
        DatagramSocket(0).use { sock ->
            sock.soTimeout = 200
            val end = System.currentTimeMillis() + 10_000
            var n = 0
            while (System.currentTimeMillis() < end) {
                n++
                val msg = "OPTIONS sip:$domain SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${sock.localPort};branch=z9hG4bKready$n\r\nMax-Forwards: 70\r\n" +
                    "From: <sip:probe@$domain>;tag=p$n\r\nTo: <sip:$domain>\r\nCall-ID: ready$n@testbed\r\nCSeq: $n OPTIONS\r\nContent-Length: 0\r\n\r\n"
                val bytes = msg.toByteArray()
                sock.send(DatagramPacket(bytes, bytes.size, InetSocketAddress("127.0.0.1", port)))
                val buf = ByteArray(2048)
                val packet = DatagramPacket(buf, buf.size)
                if (runCatching { sock.receive(packet) }.isSuccess && String(buf, 0, packet.length).startsWith("SIP/2.0 200")) return
            }
            throw AssertionError("Kamailio did not answer within 10 s\n${log()}")
        }
    }
}

/** baresip as a desk phone or a caller, driven through its TCP control socket. */
class Baresip private constructor(private val dir: File, private val ctrlPort: Int, private val process: Owned) : AutoCloseable {
    fun log(): String = File(dir, "baresip.log").takeIf { it.exists() }?.readText() ?: ""

    fun waitRegistered() = waitFor("baresip to register", 10_000, ::log) { log().contains("200 OK") }

    /**
     * The loudest sample baresip has decoded so far from what it received: its sndfile filter
     * dumps each call's decoded audio to `dump-<time>-dec.wav` (16-bit PCM after the `data`
     * chunk header); 0 before a call has audio.
     */
    fun heardPeak(): Int {
        val dump = dir.listFiles { f -> f.name.endsWith("-dec.wav") }?.maxByOrNull { it.lastModified() } ?: return 0
        val bytes = dump.readBytes()
        val data = String(bytes, 0, minOf(bytes.size, 512), Charsets.ISO_8859_1).indexOf("data")
        var peak = 0
        var i = if (data >= 0) data + 8 else 44
        while (i + 1 < bytes.size) {
            val sample = (bytes[i].toInt() and 0xff) or (bytes[i + 1].toInt() shl 8)
            peak = maxOf(peak, kotlin.math.abs(sample.toShort().toInt()))
            i += 2
        }
        return peak
    }

    /** A menu command (`dial ...`, `accept`, `hangup`) as a netstring-framed JSON message. */
    fun command(command: String): String {
        val name = command.substringBefore(' ')
        val params = command.substringAfter(' ', "")
        val json = """{"command":"$name","params":"$params","token":"testbed"}"""
        Socket("127.0.0.1", ctrlPort).use { s ->
            s.soTimeout = 2_000
            s.getOutputStream().write("${json.length}:$json,".toByteArray())
            val buf = ByteArray(4096)
            val n = runCatching { s.getInputStream().read(buf) }.getOrDefault(0)
            return if (n > 0) String(buf, 0, n) else ""
        }
    }

    override fun close() {
        process.close()
        dir.deleteRecursively()
    }

    companion object {
        fun start(user: String, password: String, domain: String, proxyPort: Int): Baresip {
            val dir = Files.createTempDirectory("ringside-baresip").toFile()
            val sip = freePort()
            val ctrl = freePort()
            File(dir, "config").writeText(
                "sip_listen 127.0.0.1:$sip\nnet_interface 127.0.0.1\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule opus.so\n" +
                    // A 440 Hz sine as the microphone; a sound-card-free player (aubridge); and
                    // sndfile, which writes what each call decoded into the folder (heardPeak).
                    "module aubridge.so\nmodule ausine.so\nmodule sndfile.so\nmodule_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\n" +
                    "ctrl_tcp_listen 127.0.0.1:$ctrl\naudio_player aubridge,ringside\naudio_source ausine,440\nsnd_path ${dir.path}\n" +
                    "ausrc_srate 48000\nauplay_srate 48000\nausrc_channels 2\nauplay_channels 1\n",
            )
            File(dir, "accounts").writeText("<sip:$user@$domain>;auth_pass=$password;outbound=\"sip:127.0.0.1:$proxyPort\";regint=600;answermode=manual\n")
            val process = ProcessBuilder("baresip", "-f", dir.path)
                .redirectOutput(File(dir, "baresip.log"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
            val b = Baresip(dir, ctrl, Owned("baresip $user", process))
            try {
                b.waitRegistered()
            } catch (e: Throwable) {
                b.close()
                throw e
            }
            return b
        }
    }
}

/**
 * The phone's microphone and speaker on the core's audio bridge, at the device's pace: every
 * 20 ms it pushes a 1 kHz tone as captured audio and pulls a frame of playback, keeping the
 * loudest sample it heard. What proves a call's audio flows, in both directions, without a
 * sound card.
 */
class AudioPump(private val bridge: uniffi.ringside_ffi.AudioBridge) : AutoCloseable {
    private val peak = java.util.concurrent.atomic.AtomicInteger(0)
    @Volatile private var running = true
    private val thread = Thread({
        val frame = 960 // 20 ms at 48 kHz
        val step = 2 * Math.PI * 1000 / 48_000
        var n = 0L
        while (running) {
            val tone = List(frame) { (8000 * kotlin.math.sin((n + it) * step)).toInt().toShort() }
            n += frame
            bridge.pushCapture(tone)
            val heard = bridge.pullPlayback(frame.toUInt()).maxOf { kotlin.math.abs(it.toInt()) }
            peak.accumulateAndGet(heard, ::maxOf)
            Thread.sleep(20)
        }
    }, "audio-pump").apply {
        isDaemon = true
        start()
    }

    /** The loudest sample played to this phone since the last call of this; starts over. */
    fun takePeak(): Int = peak.getAndSet(0)

    override fun close() {
        running = false
        thread.join(2_000)
    }
}
