//! `EarlyMedia`: which SDP answer an outgoing call's media follows from its first provisional
//! response to its 2xx (RFC 3960 §3, the gateway model: a 183 with SDP is the far end's
//! ringback, a PBX queue's music or an IVR's announcement, and plays before the answer).
//!
//! Input: each provisional response's To-tag and body (`provisional`), that the media took the
//! SDP it was handed (`playing`), and the 2xx's To-tag and body (`answered`).
//! Output: the SDP the media must apply now, or `None`: nothing changes.
//!
//! The rules:
//! - a 1xx without SDP changes nothing (a 180: the shell's ringing, no stream);
//! - a 1xx with SDP other than what plays is applied: the first starts the early media, and
//!   another early dialog's (a fork) takes over, as one stream is rendered and the newest
//!   early dialog is the one still trying (RFC 3960 §3.1);
//! - the same SDP again (a 183 repeated, a 180 of the same dialog with its answer) changes
//!   nothing;
//! - a provisional response heard after the 2xx changes nothing (it is stale);
//! - the 2xx with the SDP that plays keeps the stream as it is (RFC 3261 §13.2.1: an answer in
//!   an unreliable 1xx is repeated in the 2xx); with another SDP (another fork answered, or the
//!   far end answered anew) it is applied; without SDP (RFC 3262: a reliable 183's answer
//!   stands) the answering dialog's early SDP is applied unless it already plays.
//!
//! No sockets, no time: the call task hands it what rsipstack reported.

/// How many early dialogs' answers are remembered: a forking proxy rarely fans out to more;
/// a far end inventing To-tags must not grow memory without bound.
const MAX_EARLY_DIALOGS: usize = 8;

#[derive(Debug, Default)]
pub struct EarlyMedia {
    /// Each early dialog's latest SDP by To-tag, oldest first.
    answers: Vec<(String, String)>,
    /// The SDP the media plays (applied and accepted), if any.
    playing: Option<String>,
    /// The 2xx came: a provisional response reported after it (the call task hears the two
    /// on different channels) is stale.
    answered: bool,
}

impl EarlyMedia {
    pub fn new() -> Self {
        Self::default()
    }

    /// A provisional response of the early dialog `tag`: the SDP to apply, if any.
    pub fn provisional(&mut self, tag: &str, body: &str) -> Option<String> {
        if self.answered || body.trim().is_empty() {
            return None;
        }
        self.answers.retain(|(t, _)| t != tag);
        if self.answers.len() == MAX_EARLY_DIALOGS {
            self.answers.remove(0);
        }
        self.answers.push((tag.to_string(), body.to_string()));
        (self.playing.as_deref() != Some(body)).then(|| body.to_string())
    }

    /// The media took `sdp`: it plays now.
    pub fn playing(&mut self, sdp: &str) {
        self.playing = Some(sdp.to_string());
    }

    /// Whether early media plays (the far end's stream, not the shell's ringing).
    #[cfg(test)]
    pub fn is_playing(&self) -> bool {
        self.playing.is_some()
    }

    /// The 2xx of dialog `tag`: the SDP to apply, if any. The answer is final, so what plays
    /// from then on is no longer early.
    pub fn answered(&mut self, tag: &str, body: &str) -> Option<String> {
        let answer = if body.trim().is_empty() {
            self.answers.iter().rev().find(|(t, _)| t == tag).map(|(_, sdp)| sdp.clone())
        } else {
            Some(body.to_string())
        };
        let playing = self.playing.take();
        self.answers.clear();
        self.answered = true;
        answer.filter(|a| playing.as_deref() != Some(a.as_str()))
    }
}

#[cfg(test)]
#[path = "early_media_tests.rs"]
mod tests;
