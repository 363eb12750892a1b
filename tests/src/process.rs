//! A child process owned by PID: SIGTERM on stop, SIGKILL if it lingers, always reaped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Owned {
    pub name: String,
    child: Option<Child>,
}

impl Owned {
    pub fn spawn(name: &str, cmd: &mut Command) -> std::io::Result<Owned> {
        let child = cmd.stdin(Stdio::null()).spawn()?;
        Ok(Owned { name: name.to_string(), child: Some(child) })
    }

    pub fn from_child(name: &str, child: Child) -> Owned {
        Owned { name: name.to_string(), child: Some(child) }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("process already stopped")
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: i32) {
        if let Some(child) = &self.child {
            // SAFETY: kill(2) on a PID we spawned and have not reaped yet.
            unsafe { libc::kill(child.id() as i32, signal) };
        }
    }

    /// Waits up to `limit` for the process to exit by itself; returns its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let child = self.child.as_mut()?;
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGTERM, up to 5 s of grace, then SIGKILL; always reaps.
    pub fn stop(&mut self) -> Option<i32> {
        self.signal(libc::SIGTERM);
        if let Some(code) = self.wait_exit(Duration::from_secs(5)) {
            return Some(code);
        }
        self.signal(libc::SIGKILL);
        self.wait_exit(Duration::from_secs(5))
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
    }
}
