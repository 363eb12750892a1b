//! The `ringside` CLI as a process under test: config file in, JSON-lines events out.

use crate::process::Owned;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The `ringside` binary: `$RINGSIDE_BIN`, else the workspace's debug build (built once if absent).
pub fn binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| workspace_binary("RINGSIDE_BIN", "ringside-cli", "ringside")).clone()
}

/// A binary of this workspace: the path in `$env` when set (scripts/test builds them first),
/// else `package` built now into the debug target directory.
pub fn workspace_binary(env: &str, package: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let mut cargo = Command::new(env!("CARGO"));
    // The test process's own package variables would reach build scripts that track them
    // (ring tracks CARGO_MANIFEST_DIR) and make every later `cargo test` rebuild the TLS stack.
    let per_package =
        |k: &str| ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_BIN_EXE_", "CARGO_CRATE_", "CARGO_PRIMARY_", "CARGO_TARGET_TMPDIR"].iter().any(|p| k.starts_with(p));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(per_package) {
            cargo.env_remove(key);
        }
    }
    let status = cargo.args(["build", "-q", "-p", package]).current_dir(&root).status().expect("cargo");
    assert!(status.success(), "building {package} failed");
    target.join("debug").join(name)
}

pub struct Ringside {
    process: Owned,
    stdin: Option<std::process::ChildStdin>,
    lines: mpsc::Receiver<String>,
    pub events: Vec<Value>,
    pub dir: tempfile::TempDir,
    stderr_path: PathBuf,
}

impl Ringside {
    /// Starts `ringside --config <config> <args…>` with the password in `$RINGSIDE_PASSWORD`.
    pub fn start(config: &str, password: &str, args: &[&str]) -> Ringside {
        Self::start_via(&[], config, password, args)
    }

    /// Runs `ringside --config <config> --data-dir <data_dir> <args…>` to its end (bounded by
    /// `limit`): its exit code, JSON lines and stderr. For the library commands, which share
    /// one data directory across runs.
    pub fn run_in(data_dir: &std::path::Path, config: &str, password: &str, args: &[&str], limit: Duration) -> (Option<i32>, Vec<Value>, String) {
        let config_path = data_dir.with_extension("toml");
        std::fs::write(&config_path, config).unwrap();
        let mut cmd = Command::new(binary());
        cmd.arg("--config").arg(&config_path).arg("--data-dir").arg(data_dir).args(["--log", "info"]).args(args);
        cmd.env("RINGSIDE_PASSWORD", password).stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let child = cmd.spawn().expect("start ringside");
        let pid = child.id();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || tx.send(child.wait_with_output()).ok());
        let Ok(out) = rx.recv_timeout(limit) else {
            // SAFETY: kill(2) on the PID we spawned; its waiting thread reaps it.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("ringside {args:?} did not end within {limit:?}");
        };
        let out = out.expect("ringside ran");
        let events = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}")))
            .collect();
        (out.status.code(), events, String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// As [`Self::start`], run through `launcher` (e.g. `unshare -m …` to change what it sees).
    pub fn start_via(launcher: &[&str], config: &str, password: &str, args: &[&str]) -> Ringside {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("ringside.toml");
        std::fs::write(&config_path, config).unwrap();
        let stderr_path = dir.path().join("stderr.log");
        let mut cmd = match launcher.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(binary());
                c
            }
            None => Command::new(binary()),
        };
        cmd.arg("--config").arg(&config_path);
        // A test that restarts the phone on the same data names it (`--data-dir DIR` in args).
        if !args.contains(&"--data-dir") {
            cmd.arg("--data-dir").arg(dir.path().join("data"));
        }
        if !args.contains(&"--log") {
            cmd.args(["--log", "info"]);
        }
        cmd.args(args);
        cmd.env("RINGSIDE_PASSWORD", password).stdout(Stdio::piped()).stderr(std::fs::File::create(&stderr_path).unwrap());
        // `drive` reads commands from stdin; every other command gets none.
        cmd.stdin(if args.contains(&"drive") { Stdio::piped() } else { Stdio::null() });
        let mut process = Owned::from_child("ringside", cmd.spawn().expect("start ringside"));
        let stdin = process.child_mut().stdin.take();
        let stdout = process.child_mut().stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ringside { process, stdin, lines, events: Vec::new(), dir, stderr_path }
    }

    /// Waits (bounded) for the next event named `name`; earlier events are kept in `events`.
    pub fn wait_event(&mut self, name: &str, limit: Duration) -> Option<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.lines.recv_timeout(left).ok()?;
            let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            self.events.push(value.clone());
            if value["event"] == name {
                return Some(value);
            }
        }
    }

    /// The first `name` event at or after index `since` of [`Self::events`], waiting (bounded)
    /// if none came yet: for events that may race the one a test waited for.
    pub fn expect_event_since(&mut self, name: &str, since: usize, limit: Duration) -> Value {
        match self.events.iter().skip(since).find(|e| e["event"] == name) {
            Some(e) => e.clone(),
            None => self.expect_event(name, limit),
        }
    }

    /// Like [`Self::wait_event`], panicking with the process's stderr when the event does not come.
    pub fn expect_event(&mut self, name: &str, limit: Duration) -> Value {
        match self.wait_event(name, limit) {
            Some(v) => v,
            None => panic!("no {name:?} event within {limit:?}; events so far: {:?}\nstderr tail:\n{}", self.events, self.stderr_tail()),
        }
    }

    /// Writes one command line to a `drive` process.
    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("ringside started with drive");
        writeln!(stdin, "{line}").expect("drive reads stdin");
        stdin.flush().unwrap();
    }

    /// Closes stdin (EOF ends `drive`).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn stderr_tail(&self) -> String {
        let s = self.stderr();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    pub fn signal(&self, sig: i32) {
        self.process.signal(sig);
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        self.process.wait_exit(limit)
    }

    /// Drains the remaining stdout lines (after exit) into `events`.
    pub fn drain(&mut self) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            if let Ok(v) = serde_json::from_str(&line) {
                self.events.push(v);
            }
        }
    }
}

/// A config for account `user` on a testbed PBX.
pub fn config(user: &str, domain: &str, proxy: &str, extra: &str) -> String {
    format!("[account]\nusername = \"{user}\"\ndomain = \"{domain}\"\nproxy = \"{proxy}\"\n\n[sip]\nlocal_port = 0\n{extra}\n")
}
