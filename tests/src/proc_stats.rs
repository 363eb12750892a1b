//! What a process costs while it runs, read from /proc: CPU ticks, wake-ups (context switches
//! summed over its threads, by thread name) and resident memory. For the benchmarks: counts
//! that do not depend on how loaded the shared machine is.

use std::collections::BTreeMap;

/// One reading of a process.
#[derive(Debug, Clone, Default)]
pub struct ProcSample {
    /// utime + stime of all its threads (live and exited), in clock ticks.
    pub cpu_ticks: u64,
    /// Voluntary + non-voluntary context switches of each live thread, by thread id.
    pub switches: BTreeMap<u32, (String, u64)>,
    /// VmRSS in KiB.
    pub rss_kib: u64,
    /// The anonymous part of it (heap, stacks), in KiB; the rest is mapped files (the
    /// executable's and libraries' pages) and shared memory.
    pub rss_anon_kib: u64,
}

impl ProcSample {
    /// Reads `pid` now; an exited process reads as zero.
    pub fn read(pid: u32) -> ProcSample {
        let mut switches = BTreeMap::new();
        for entry in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse::<u32>().ok()) else { continue };
            let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            let count: u64 = ["voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"].iter().map(|k| status_field(&status, k)).sum();
            let name = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default().trim().to_string();
            switches.insert(tid, (name, count));
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        ProcSample { cpu_ticks: cpu_ticks(pid), switches, rss_kib: status_field(&status, "VmRSS:"), rss_anon_kib: status_field(&status, "RssAnon:") }
    }

    /// Context switches since `earlier`, summed (a thread born since counts from zero).
    pub fn wakeups_since(&self, earlier: &ProcSample) -> u64 {
        self.by_thread_since(earlier).values().sum()
    }

    /// Context switches since `earlier` by thread name (threads of one name summed).
    pub fn by_thread_since(&self, earlier: &ProcSample) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (tid, (name, now)) in &self.switches {
            let before = earlier.switches.get(tid).map(|(_, c)| *c).unwrap_or(0);
            *out.entry(name.clone()).or_insert(0) += now.saturating_sub(before);
        }
        out
    }
}

fn status_field(status: &str, key: &str) -> u64 {
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// utime + stime of a process (all threads), in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name and state.
    field(11) + field(12)
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

/// The median of `values` (the upper one of an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_reads_its_threads_and_memory() {
        let s = ProcSample::read(std::process::id());
        assert!(s.rss_kib > 0);
        assert!(!s.switches.is_empty());
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
