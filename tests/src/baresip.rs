//! baresip as the desk phone: registered on an extension through the testbed PBX, audio from
//! and to files (no sound card), controlled through its TCP control socket (issue 3).

use crate::ports::free_port_block;
use crate::process::Owned;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct DeskPhone {
    process: Owned,
    pub sip_port: u16,
    pub ctrl_port: u16,
    dir: tempfile::TempDir,
}

/// What a desk phone's calls carry.
#[derive(Debug, Clone)]
pub struct DeskMedia {
    pub regint: u32,
    pub auto_answer: bool,
    /// Only this codec (`PCMU/8000/1`, `opus/48000/2`…); all loaded ones by default.
    pub codec: Option<&'static str>,
    /// `srtp` (optional SDES) or `srtp-mand`; none: plain RTP.
    pub mediaenc: Option<&'static str>,
    /// The tone it sends (ausine).
    pub tone_hz: u32,
    /// Send this WAV file instead of the tone (aufile), and record what it plays to
    /// `played.wav` in its directory (for delay measurements: both start with the call's audio).
    pub source: Option<std::path::PathBuf>,
    /// Load baresip's echo module: it answers calls itself and sends back what it hears.
    pub echo: bool,
}

impl Default for DeskMedia {
    fn default() -> Self {
        DeskMedia { regint: 600, auto_answer: false, codec: Some("PCMU/8000/1,PCMA/8000/1"), mediaenc: None, tone_hz: 440, source: None, echo: false }
    }
}

impl DeskPhone {
    /// Starts baresip registered as `user` at `domain` through the proxy on 127.0.0.1:`proxy_port`.
    pub fn start(user: &str, password: &str, domain: &str, proxy_port: u16) -> DeskPhone {
        Self::start_with(user, password, domain, proxy_port, 600, false)
    }

    /// A desk phone that answers every call at once.
    pub fn start_auto_answer(user: &str, password: &str, domain: &str, proxy_port: u16) -> DeskPhone {
        Self::start_with(user, password, domain, proxy_port, 600, true)
    }

    /// As [`Self::start`], asking for `regint`-second bindings.
    pub fn start_with_regint(user: &str, password: &str, domain: &str, proxy_port: u16, regint: u32) -> DeskPhone {
        Self::start_with(user, password, domain, proxy_port, regint, false)
    }

    fn start_with(user: &str, password: &str, domain: &str, proxy_port: u16, regint: u32, auto_answer: bool) -> DeskPhone {
        Self::start_media(user, password, domain, proxy_port, DeskMedia { regint, auto_answer, ..DeskMedia::default() })
    }

    /// A desk phone with the media it offers and accepts: codecs, SRTP, the tone it sends.
    pub fn start_media(user: &str, password: &str, domain: &str, proxy_port: u16, media: DeskMedia) -> DeskPhone {
        let DeskMedia { regint, auto_answer, codec, mediaenc, tone_hz, source, echo } = media;
        let dir = tempfile::tempdir().unwrap();
        // One block: SIP, the TLS listener baresip opens on SIP + 1, and the control socket.
        let sip_port = free_port_block(3);
        let ctrl_port = sip_port + 2;
        let config = format!(
            "sip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule opus.so\nmodule srtp.so\nmodule aufile.so\nmodule ausine.so\nmodule sndfile.so\nsnd_path {dir}\n\
             module_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             audio_player aufile,{dir}/{played}\naudio_source {source}\nausrc_srate 48000\nauplay_srate 48000\nausrc_channels {channels}\nauplay_channels 1\n{echo}",
            dir = dir.path().display(),
            played = if source.is_some() { "played.wav" } else { "desk-heard.wav" },
            source = source.as_ref().map(|s| format!("aufile,{}", s.display())).unwrap_or_else(|| format!("ausine,{tone_hz}")),
            channels = if source.is_some() { 1 } else { 2 },
            echo = if echo { "module echo.so\n" } else { "" },
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(
            dir.path().join("accounts"),
            format!(
                "<sip:{user}@{domain}>;auth_pass={password};outbound=\"sip:127.0.0.1:{proxy_port}\";regint={regint};answermode={}{}{}\n",
                if auto_answer { "auto" } else { "manual" },
                codec.map(|c| format!(";audio_codecs={c}")).unwrap_or_default(),
                mediaenc.map(|m| format!(";mediaenc={m}")).unwrap_or_default()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("baresip.log")).unwrap();
        let mut cmd = Command::new("baresip");
        cmd.arg("-f").arg(dir.path()).stdout(log).stderr(Stdio::null());
        let process = Owned::spawn("baresip", &mut cmd).expect("baresip is installed (scripts/install-deps)");
        DeskPhone { process, sip_port, ctrl_port, dir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("baresip.log")).unwrap_or_default()
    }

    /// Waits (bounded) until baresip reports its registration accepted.
    pub fn wait_registered(&self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.log().contains("200 OK") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    /// Sends a menu command (`accept`, `hangup`, `dial 1001`…) through baresip's TCP control
    /// socket (netstring-framed JSON) and returns its raw answer.
    pub fn command(&self, command: &str) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let (name, params) = command.split_once(' ').unwrap_or((command, ""));
        let json = serde_json::json!({"command": name, "params": params, "token": "testbed"}).to_string();
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.ctrl_port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(format!("{}:{json},", json.len()).as_bytes())?;
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap_or(0);
        Ok(String::from_utf8_lossy(&buf[..n]).to_string())
    }

    /// Answers the ringing call and waits (bounded) until baresip reports it established;
    /// the command is sent again once if the first one came too early to take.
    pub fn answer(&self, limit: Duration) -> bool {
        for _ in 0..2 {
            if self.command("accept").is_ok() && self.wait_log("Call established", limit / 2) {
                return true;
            }
        }
        false
    }

    /// Waits (bounded) until the log shows `needle`.
    pub fn wait_log(&self, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The sndfile module's recording of what the desk decoded in its last call (first
    /// channel) and its sample rate.
    pub fn heard(&self) -> (Vec<i16>, u32) {
        let newest = std::fs::read_dir(self.dir.path())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
            .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        let Some(path) = newest else { return (Vec::new(), 0) };
        let Ok(reader) = hound::WavReader::open(&path) else { return (Vec::new(), 0) };
        let spec = reader.spec();
        let ch = usize::from(spec.channels.max(1));
        (reader.into_samples::<i16>().step_by(ch).filter_map(Result::ok).collect(), spec.sample_rate)
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}
