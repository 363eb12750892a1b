//! baresip as the desk phone: registered on an extension through the testbed PBX, audio from
//! and to files (no sound card), controlled through its TCP control socket (issue 3).

use crate::ports::free_port;
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

impl DeskPhone {
    /// Starts baresip registered as `user` at `domain` through the proxy on 127.0.0.1:`proxy_port`.
    pub fn start(user: &str, password: &str, domain: &str, proxy_port: u16) -> DeskPhone {
        Self::start_with_regint(user, password, domain, proxy_port, 600)
    }

    /// As [`Self::start`], asking for `regint`-second bindings.
    pub fn start_with_regint(user: &str, password: &str, domain: &str, proxy_port: u16, regint: u32) -> DeskPhone {
        let dir = tempfile::tempdir().unwrap();
        let sip_port = free_port();
        // baresip also listens for TLS on sip_port + 1: keep the control port clear of it.
        let mut ctrl_port = free_port();
        while ctrl_port == sip_port + 1 {
            ctrl_port = free_port();
        }
        let config = format!(
            "sip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\n\
             module_app account.so\nmodule_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{ctrl_port}\n\
             audio_player aufile,{dir}/desk-heard.wav\naudio_source aufile,/dev/null\n",
            dir = dir.path().display()
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(
            dir.path().join("accounts"),
            format!("<sip:{user}@{domain}>;auth_pass={password};outbound=\"sip:127.0.0.1:{proxy_port}\";regint={regint}\n"),
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

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}
