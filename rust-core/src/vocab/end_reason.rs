//! Why a call ended (design §2): decided by the call machine and the push wake, persisted by
//! the store, spelled the same by events, the call log and the shells.

/// Why a call ended (design §2). `AnsweredElsewhere` is never a missed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    LocalHangup,
    RemoteHangup,
    /// CANCEL with `Reason: SIP;cause=200` — the desk phone (or another device) answered.
    AnsweredElsewhere,
    /// CANCEL with cause 600/603 — declined on another device.
    DeclinedElsewhere,
    /// The caller gave up: a missed call.
    Cancelled,
    Busy,
    Declined,
    Unanswered,
    Failed,
}

impl EndReason {
    pub const ALL: [EndReason; 9] = [
        EndReason::LocalHangup,
        EndReason::RemoteHangup,
        EndReason::AnsweredElsewhere,
        EndReason::DeclinedElsewhere,
        EndReason::Cancelled,
        EndReason::Busy,
        EndReason::Declined,
        EndReason::Unanswered,
        EndReason::Failed,
    ];

    /// The reason's name as events, the call log and the shells spell it (`answered_elsewhere`).
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::LocalHangup => "local_hangup",
            EndReason::RemoteHangup => "remote_hangup",
            EndReason::AnsweredElsewhere => "answered_elsewhere",
            EndReason::DeclinedElsewhere => "declined_elsewhere",
            EndReason::Cancelled => "cancelled",
            EndReason::Busy => "busy",
            EndReason::Declined => "declined",
            EndReason::Unanswered => "unanswered",
            EndReason::Failed => "failed",
        }
    }
}

impl std::str::FromStr for EndReason {
    type Err = String;

    /// Reads back [`EndReason::as_str`]'s spelling (the call log stores it as text).
    fn from_str(s: &str) -> Result<Self, String> {
        EndReason::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown end reason {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_from_its_name_and_serialises_as_it() {
        for r in EndReason::ALL {
            assert_eq!(r.as_str().parse::<EndReason>(), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!("gone".parse::<EndReason>().is_err());
    }
}
