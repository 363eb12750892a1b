//! A Dovecot IMAP server on loopback for the voicemail tests: its own config, passdb and
//! Maildir in a tempdir (no system service), on a free port, owned by PID, stopped on drop.
//! The test plays the PBX: it APPENDs voicemail e-mails, and plays other clients (flags,
//! expunges) through a tiny IMAP client of its own.

use crate::ports::free_port;
use crate::process::Owned;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Dovecot {
    process: Owned,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub dir: tempfile::TempDir,
}

impl Dovecot {
    pub fn start(user: &str, password: &str) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        // Mail is stored as `nobody`, which must reach the tempdir.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let port = free_port();
        let d = dir.path().display();
        std::fs::write(dir.path().join("passwd"), format!("{user}:{{PLAIN}}{password}\n")).unwrap();
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::set_permissions(dir.path().join("home"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let config = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\ninfo_log_path = {d}/dovecot.log\n\
             ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\nmail_location = maildir:~/Maildir\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid=65534 gid=65534 home={d}/home/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n  chroot =\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        let config_path = dir.path().join("dovecot.conf");
        std::fs::write(&config_path, config).unwrap();
        let process = Self::spawn(dir.path());
        let me = Dovecot { process, port, user: user.into(), password: password.into(), dir };
        me.wait_listening();
        me
    }

    fn spawn(dir: &std::path::Path) -> Owned {
        let mut cmd = Command::new("dovecot");
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("stderr.log")).unwrap();
        cmd.arg("-F").arg("-c").arg(dir.join("dovecot.conf")).stdout(Stdio::null()).stderr(stderr);
        Owned::spawn("dovecot", &mut cmd).expect("start dovecot (scripts/install-deps installs dovecot-imapd)")
    }

    fn wait_listening(&self) {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "dovecot did not listen on {}:\n{}", self.port, self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (the phone is offline to it); the mailbox stays for [`Self::restart`].
    pub fn stop(&mut self) {
        self.process.stop();
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(start.elapsed() < Duration::from_secs(10), "dovecot still listens on {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again on the same port and mailbox.
    pub fn restart(&mut self) {
        self.process = Self::spawn(self.dir.path());
        self.wait_listening();
    }

    pub fn url(&self) -> String {
        format!("imap://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        format!("{}{}", read("dovecot.log"), read("stderr.log"))
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// A logged-in session of another client (the PBX, a webmail).
    pub fn client(&self) -> Imap {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut imap = Imap { reader: BufReader::new(stream.try_clone().unwrap()), stream, tag: 0 };
        let mut greeting = String::new();
        imap.reader.read_line(&mut greeting).unwrap();
        let ok = imap.command(&format!("LOGIN {} {}", self.user, self.password));
        assert!(ok.contains(" OK"), "login: {ok}");
        imap
    }
}

pub struct Imap {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    tag: u32,
}

impl Imap {
    /// Sends one command; everything up to its tagged answer.
    pub fn command(&mut self, command: &str) -> String {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        write!(self.stream, "{tag} {command}\r\n").unwrap();
        self.until(&tag)
    }

    fn until(&mut self, tag: &str) -> String {
        let mut out = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
                return out;
            }
            out.push_str(&line);
            if line.starts_with(&format!("{tag} ")) {
                return out;
            }
        }
    }

    /// APPENDs `message` to `folder` as the PBX's mailer delivers it.
    pub fn append(&mut self, folder: &str, message: &[u8]) {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        write!(self.stream, "{tag} APPEND {folder} {{{}}}\r\n", message.len()).unwrap();
        let mut cont = String::new();
        self.reader.read_line(&mut cont).unwrap();
        assert!(cont.starts_with('+'), "APPEND continuation: {cont}");
        self.stream.write_all(message).unwrap();
        self.stream.write_all(b"\r\n").unwrap();
        let done = self.until(&tag);
        assert!(done.contains(&format!("{tag} OK")), "APPEND: {done}");
    }

    /// `(uid, seen)` of every message in `folder`.
    pub fn flags(&mut self, folder: &str) -> Vec<(u32, bool)> {
        self.command(&format!("SELECT {folder}"));
        let out = self.command("UID FETCH 1:* (UID FLAGS)");
        out.lines()
            .filter(|l| l.starts_with("* ") && l.contains("FETCH"))
            .filter_map(|l| {
                let uid = l.split("UID ").nth(1)?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
                Some((uid, l.contains("\\Seen")))
            })
            .collect()
    }
}

/// A voicemail e-mail as a hosted PBX mails it: subject with caller and duration, WAV attached.
pub fn voicemail_mail(subject: &str, attachment: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut m = format!(
        "From: \"Voicemail\" <voicemail@pbx.test>\r\nTo: 1001@pbx.test\r\nSubject: {subject}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"vm\"\r\n\r\n--vm\r\nContent-Type: text/plain\r\n\r\nYou have a new voicemail.\r\n"
    );
    if let Some((ctype, bytes)) = attachment {
        m.push_str(&format!("--vm\r\nContent-Type: {ctype}; name=\"msg.wav\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"msg.wav\"\r\n\r\n"));
        let b64 = base64_encode(bytes);
        for chunk in b64.as_bytes().chunks(76) {
            m.push_str(std::str::from_utf8(chunk).unwrap());
            m.push_str("\r\n");
        }
    }
    m.push_str("--vm--\r\n");
    m.into_bytes()
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `seconds` of a 440 Hz tone, 8 kHz mono, as WAV bytes.
pub fn tone_wav(seconds: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..8000 * seconds {
        w.write_sample(((i as f32 * 440.0 * std::f32::consts::TAU / 8000.0).sin() * 8000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}
