//! linphonec (liblinphone 5.1) as a second desk phone nobody here wrote: registered through the
//! testbed PBX, audio from and to WAV files ("soundcard use files"), driven through its stdin.
//!
//! linphonec quits on stdin EOF, so the pipe stays open for the phone's life; with no sound
//! card it would refuse calls, so file mode is switched on before anything rings.

use crate::ports::{free_port, free_port_block};
use crate::process::Owned;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// What a linphonec phone's calls carry.
#[derive(Debug, Clone)]
pub struct LinphoneMedia {
    /// SDES-SRTP: `Some(true)` mandatory, `Some(false)` preferred, `None` plain RTP only.
    pub srtp: Option<bool>,
    /// The WAV file it sends in calls (16-bit mono).
    pub play: PathBuf,
}

pub struct Linphone {
    process: Owned,
    stdin: ChildStdin,
    pub sip_port: u16,
    dir: tempfile::TempDir,
}

impl Linphone {
    /// Starts linphonec registered as `user` at `domain` through 127.0.0.1:`proxy_port`; it
    /// answers every call at once and records what it hears to [`Self::recording`].
    pub fn start(user: &str, password: &str, domain: &str, proxy_port: u16, media: &LinphoneMedia) -> Linphone {
        let dir = tempfile::tempdir().unwrap();
        let sip_port = free_port();
        let rtp_port = free_port_block(2);
        // Its codecs stay liblinphone's defaults (Opus, PCMU, PCMA…): the test picks the codec
        // by what ringside offers, as a user would.
        let rc = format!(
            "[sip]\nsip_port={sip_port}\nsip_tcp_port=-1\nsip_tls_port=-1\nbind_address=127.0.0.1\nmedia_encryption={enc}\nmedia_encryption_mandatory={mand}\n\
             srtp_crypto_suites=AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32\nauto_answer=1\n\
             [rtp]\naudio_rtp_port={rtp_port}\naudio_jitt_comp=60\n[sound]\necho_cancellation=0\n[net]\nnat_policy_ref=\n",
            enc = if media.srtp.is_some() { "srtp" } else { "none" },
            mand = u8::from(media.srtp == Some(true)),
        );
        std::fs::write(dir.path().join("linphonerc"), rc).unwrap();
        std::fs::create_dir_all(dir.path().join(".local/share/linphone")).unwrap();
        let mut cmd = Command::new("linphonec");
        cmd.arg("-c")
            .arg(dir.path().join("linphonerc"))
            .args(["-a", "-S", "-d", "5", "-l"])
            .arg(dir.path().join("linphone.log"))
            .env("HOME", dir.path())
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(dir.path().join("console.log")).unwrap())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("linphonec is installed (scripts/install-deps: linphone-cli)");
        let mut process = Owned::from_child("linphonec", child);
        let stdin = process.child_mut().stdin.take().expect("piped stdin");
        let mut phone = Linphone { process, stdin, sip_port, dir };
        phone.command("soundcard use files");
        phone.command(&format!("play {}", media.play.display()));
        let recording = phone.recording();
        phone.command(&format!("record {}", recording.display()));
        phone.command(&format!("register sip:{user}@{domain} sip:127.0.0.1:{proxy_port} {password}"));
        phone
    }

    /// Types one line at linphonec's prompt.
    pub fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").ok();
        self.stdin.flush().ok();
    }

    /// Where it records the calls it hears.
    pub fn recording(&self) -> PathBuf {
        self.dir.path().join("linphone-heard.wav")
    }

    /// Its console and library log, for failure messages.
    pub fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}\n--- library log (tail) ---\n{}", read("console.log"), tail(&read("linphone.log"), 60))
    }

    /// Waits (bounded) until the console shows `needle`.
    pub fn wait_console(&self, needle: &str, limit: Duration) -> bool {
        self.wait_file("console.log", needle, limit)
    }

    fn wait_file(&self, name: &str, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    /// Waits (bounded) until the library log shows `needle` (a call state such as `CallReleased`).
    pub fn wait_log(&self, needle: &str, limit: Duration) -> bool {
        self.wait_file("linphone.log", needle, limit)
    }

    /// Waits (bounded) until the registrar accepted it.
    pub fn wait_registered(&self, limit: Duration) -> bool {
        self.wait_file("linphone.log", "RegistrationOk", limit)
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Linphone {
    fn drop(&mut self) {
        // A clean quit unregisters; the owned process is killed after a grace period anyway.
        self.command("quit");
        self.process.wait_exit(Duration::from_secs(2));
        if let Some(keep) = std::env::var_os("RINGSIDE_KEEP_LINPHONE") {
            std::fs::copy(self.dir.path().join("linphone.log"), keep).ok();
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
