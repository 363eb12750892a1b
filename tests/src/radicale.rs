//! A Radicale CardDAV server on loopback for the directory tests: its own config, htpasswd
//! user and storage in a tempdir, started on a free port, owned by PID, stopped on drop.
//! Cards are written over HTTP (PUT/DELETE) as a directory admin would.

use crate::ports::free_port;
use crate::process::Owned;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Radicale {
    _process: Owned,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub dir: tempfile::TempDir,
}

impl Radicale {
    /// Starts Radicale with `user`/`password` and an empty address book `/user/ab/`.
    pub fn start(user: &str, password: &str) -> Radicale {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let users = dir.path().join("users");
        std::fs::write(&users, format!("{user}:{password}\n")).unwrap();
        let storage = dir.path().join("collections");
        // The address book exists before the server starts: a collection is a folder with its props.
        let ab = storage.join("collection-root").join(user).join("ab");
        std::fs::create_dir_all(&ab).unwrap();
        std::fs::write(ab.join(".Radicale.props"), r#"{"tag": "VADDRESSBOOK", "D:displayname": "Company"}"#).unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            format!(
                "[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = {}\nhtpasswd_encryption = plain\n[rights]\ntype = owner_only\n[storage]\nfilesystem_folder = {}\n[logging]\nlevel = warning\n",
                users.display(),
                storage.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("radicale.log")).unwrap();
        let mut cmd = Command::new("radicale");
        cmd.arg("--config").arg(&config).stdout(Stdio::null()).stderr(log);
        let process = Owned::spawn("radicale", &mut cmd).expect("start radicale (scripts/install-deps installs it)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "radicale did not listen on {port}:\n{}",
                std::fs::read_to_string(dir.path().join("radicale.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Radicale { _process: process, port, user: user.into(), password: password.into(), dir }
    }

    /// The address book's URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/{}/ab/", self.port, self.user)
    }

    fn curl(&self, args: &[&str]) -> u16 {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-u", &format!("{}:{}", self.user, self.password)])
            .args(args)
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
    }

    /// PUTs `vcard` as resource `name` (e.g. `alice.vcf`).
    pub fn put(&self, name: &str, vcard: &str) {
        let file = self.dir.path().join(format!("put-{name}"));
        std::fs::write(&file, vcard).unwrap();
        let status =
            self.curl(&["-X", "PUT", "-H", "Content-Type: text/vcard", "--data-binary", &format!("@{}", file.display()), &format!("{}{name}", self.url())]);
        assert!((200..300).contains(&status), "PUT {name}: HTTP {status}\n{}", self.log());
    }

    pub fn delete(&self, name: &str) {
        let status = self.curl(&["-X", "DELETE", &format!("{}{name}", self.url())]);
        assert!((200..300).contains(&status), "DELETE {name}: HTTP {status}");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("radicale.log")).unwrap_or_default()
    }

    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("collections")
    }
}

/// A vCard 3.0 for `name` with `numbers`.
pub fn vcard(uid: &str, name: &str, numbers: &[&str]) -> String {
    let tels: String = numbers.iter().map(|n| format!("TEL;TYPE=WORK:{n}\r\n")).collect();
    format!("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\n{tels}END:VCARD\r\n")
}
