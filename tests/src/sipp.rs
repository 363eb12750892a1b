//! sipp running one of `tests/peers/sipp/*.xml` as a scripted UAS on loopback.

use crate::process::Owned;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Sipp {
    process: Owned,
    pub port: u16,
    dir: tempfile::TempDir,
}

pub fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/sipp").join(format!("{name}.xml"))
}

impl Sipp {
    /// Serves `calls` runs of scenario `name` on UDP `port`.
    pub fn uas(name: &str, port: u16, calls: u32) -> Sipp {
        Self::uas_args(name, port, calls, &[])
    }

    /// As [`Self::uas`], with more sipp arguments (`-rtp_echo -mp PORT`…).
    pub fn uas_args(name: &str, port: u16, calls: u32, extra: &[&str]) -> Sipp {
        Self::uas_in(name, port, calls, extra, None)
    }

    /// As [`Self::uas_args`], run in `cwd`: where a scenario's `play_pcap_audio` file is.
    pub fn uas_in(name: &str, port: u16, calls: u32, extra: &[&str], cwd: Option<&std::path::Path>) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sipp");
        if let Some(cwd) = cwd {
            cmd.current_dir(cwd);
        }
        cmd.arg("-sf").arg(scenario(name)).args(["-i", "127.0.0.1", "-p", &port.to_string(), "-m", &calls.to_string()]).args(extra);
        cmd.args(["-trace_err", "-error_file"]).arg(dir.path().join("errors.log"));
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let process = Owned::spawn(&format!("sipp {name}"), &mut cmd).expect("sipp is installed (scripts/install-deps)");
        // sipp binds before it reads anything; give it a moment to do so.
        std::thread::sleep(Duration::from_millis(300));
        Sipp { process, port, dir }
    }

    /// Runs `calls` calls of scenario `name` from UDP `port` to `service`@`remote_port` (the
    /// PBX); `pause_ms` is what the scenario's <pause/> waits.
    pub fn uac(name: &str, port: u16, service: &str, remote_port: u16, pause_ms: u64) -> Sipp {
        Self::uac_with(name, port, service, remote_port, pause_ms, 1)
    }

    /// `calls` calls of scenario `name`, one after another (`-l 1`).
    pub fn uac_calls(name: &str, port: u16, service: &str, remote_port: u16, calls: u32) -> Sipp {
        Self::uac_with(name, port, service, remote_port, 0, calls)
    }

    /// One call of scenario `name` with a fixed Call-ID (`-cid_str`): what a push announced.
    pub fn uac_call_id(name: &str, port: u16, service: &str, remote_port: u16, pause_ms: u64, call_id: &str) -> Sipp {
        Self::uac_args(name, port, service, remote_port, pause_ms, 1, &["-cid_str", call_id])
    }

    /// One run of scenario `name` to `service`@`remote_port` with more sipp arguments
    /// (`-key deskport N`: a scenario's `[deskport]`).
    pub fn uac_once_with(name: &str, port: u16, service: &str, remote_port: u16, extra: &[&str]) -> Sipp {
        Self::uac_args(name, port, service, remote_port, 0, 1, extra)
    }

    fn uac_with(name: &str, port: u16, service: &str, remote_port: u16, pause_ms: u64, calls: u32) -> Sipp {
        Self::uac_args(name, port, service, remote_port, pause_ms, calls, &[])
    }

    fn uac_args(name: &str, port: u16, service: &str, remote_port: u16, pause_ms: u64, calls: u32, extra: &[&str]) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sipp");
        cmd.arg("-sf").arg(scenario(name)).arg(format!("127.0.0.1:{remote_port}"));
        cmd.args([
            "-s",
            service,
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            &calls.to_string(),
            "-l",
            "1",
            "-d",
            &pause_ms.to_string(),
            "-mp",
            &crate::ports::free_port_block(4).to_string(),
        ]);
        cmd.args(extra);
        if calls > 1 {
            // Runs of calls are for timing: a callee's 180 that overtakes nothing but arrives
            // after its 200 must not abort the call.
            cmd.args(["-default_behaviors", "all,-abortunexp"]);
        }
        cmd.args(["-trace_err", "-error_file"]).arg(dir.path().join("errors.log"));
        cmd.stdout(Stdio::null()).stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap());
        let process = Owned::spawn(&format!("sipp {name}"), &mut cmd).expect("sipp is installed (scripts/install-deps)");
        Sipp { process, port, dir }
    }

    /// One run of scenario `name` from `local_ip` (another loopback address, 127.0.0.2…) straight
    /// to `target`: a stranger on the internet rather than the PBX.
    pub fn stranger(name: &str, local_ip: &str, service: &str, target: std::net::SocketAddr) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::ports::free_port();
        let mut cmd = Command::new("sipp");
        cmd.arg("-sf").arg(scenario(name)).arg(target.to_string());
        cmd.args(["-s", service, "-i", local_ip, "-p", &port.to_string(), "-m", "1", "-mp", &crate::ports::free_port_block(4).to_string()]);
        cmd.args(["-trace_err", "-error_file"]).arg(dir.path().join("errors.log"));
        cmd.stdout(Stdio::null()).stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap());
        let process = Owned::spawn(&format!("sipp {name}"), &mut cmd).expect("sipp is installed (scripts/install-deps)");
        Sipp { process, port, dir }
    }

    /// Waits (bounded) for the scenario to end; true when every step and check passed.
    pub fn passed(&mut self, limit: Duration) -> bool {
        self.process.wait_exit(limit) == Some(0)
    }

    pub fn errors(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        format!("{}{}", read("errors.log"), read("stderr.log"))
    }
}
