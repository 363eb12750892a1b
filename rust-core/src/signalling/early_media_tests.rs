//! EarlyMedia on recorded provisional and final responses to one of our INVITEs: each test
//! names the rule it proves.

use super::*;
use rsipstack::sip::{HeadersExt, Response};

/// A PBX queue's SDP (Asterisk-style: the media server on its own port).
const QUEUE_SDP: &str = "v=0\r\no=- 1417 1417 IN IP4 10.0.0.5\r\ns=Asterisk\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 17232 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
/// The callee's own SDP once the queue hands the call to an agent.
const AGENT_SDP: &str = "v=0\r\no=- 1418 1418 IN IP4 10.0.0.9\r\ns=Agent\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

/// A response to our INVITE as a PBX sends it, with To-tag `tag` and `sdp` (none if empty).
fn recorded(status: &str, tag: &str, sdp: &str) -> Response {
    let content_type = if sdp.is_empty() { "" } else { "Content-Type: application/sdp\r\n" };
    let text = format!(
        "SIP/2.0 {status}\r\n\
         Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK776asdhds;received=203.0.113.4\r\n\
         From: <sip:1001@pbx.test>;tag=1928301774\r\n\
         To: <sip:1009@pbx.test>;tag={tag}\r\n\
         Call-ID: a84b4c76e66710@ringside\r\n\
         CSeq: 2 INVITE\r\n\
         Contact: <sip:1009@10.0.0.5:5060>\r\n\
         Server: Asterisk PBX 20.5.0\r\n\
         {content_type}Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    Response::try_from(text.as_str()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// What the call task reads of a response: its To-tag and body.
fn seen(resp: &Response) -> (String, String) {
    let tag = resp.to_header().unwrap().tag().unwrap().map(|t| t.value().to_string()).unwrap_or_default();
    (tag, String::from_utf8_lossy(&resp.body).to_string())
}

fn provisional(early: &mut EarlyMedia, resp: &Response) -> Option<String> {
    let (tag, body) = seen(resp);
    let apply = early.provisional(&tag, &body);
    if let Some(sdp) = &apply {
        early.playing(sdp);
    }
    apply
}

fn answered(early: &mut EarlyMedia, resp: &Response) -> Option<String> {
    let (tag, body) = seen(resp);
    early.answered(&tag, &body)
}

#[test]
fn rfc3960_3_a_183_with_sdp_starts_the_early_media() {
    let mut early = EarlyMedia::new();
    assert_eq!(provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP)).as_deref(), Some(QUEUE_SDP));
    assert!(early.is_playing());
}

#[test]
fn a_180_or_183_without_sdp_plays_nothing() {
    let mut early = EarlyMedia::new();
    assert_eq!(provisional(&mut early, &recorded("180 Ringing", "as1", "")), None);
    assert_eq!(provisional(&mut early, &recorded("183 Session Progress", "as1", "")), None);
    assert!(!early.is_playing(), "the shell's ringing, no stream");
}

#[test]
fn the_same_183_again_changes_nothing() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP));
    assert_eq!(provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP)), None);
    assert_eq!(provisional(&mut early, &recorded("180 Ringing", "as1", QUEUE_SDP)), None, "the same dialog's 180 with its answer");
}

#[test]
fn rfc3261_13_2_1_a_200_repeating_the_183s_sdp_keeps_the_one_session() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP));
    assert_eq!(answered(&mut early, &recorded("200 OK", "as1", QUEUE_SDP)), None, "the stream plays on, not restarted");
    assert!(!early.is_playing(), "answered: no longer early");
}

#[test]
fn a_200_with_other_sdp_than_the_183s_switches_to_it() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP));
    assert_eq!(answered(&mut early, &recorded("200 OK", "as1", AGENT_SDP)).as_deref(), Some(AGENT_SDP));
}

#[test]
fn rfc3262_a_200_without_sdp_after_a_reliable_183_keeps_its_answer() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP));
    assert_eq!(answered(&mut early, &recorded("200 OK", "as1", "")), None);
}

#[test]
fn a_200_without_early_media_is_the_answer() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("180 Ringing", "as1", ""));
    assert_eq!(answered(&mut early, &recorded("200 OK", "as1", AGENT_SDP)).as_deref(), Some(AGENT_SDP));
}

#[test]
fn rfc3960_3_1_a_second_forks_183_with_sdp_takes_over_and_its_200_is_kept() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "forkA", QUEUE_SDP));
    assert_eq!(provisional(&mut early, &recorded("183 Session Progress", "forkB", AGENT_SDP)).as_deref(), Some(AGENT_SDP), "the newest early dialog");
    assert_eq!(answered(&mut early, &recorded("200 OK", "forkB", AGENT_SDP)), None, "forkB plays already");
}

#[test]
fn rfc3960_3_1_the_other_fork_answering_brings_its_own_stream_back() {
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "forkA", QUEUE_SDP));
    provisional(&mut early, &recorded("183 Session Progress", "forkB", AGENT_SDP));
    assert_eq!(answered(&mut early, &recorded("200 OK", "forkA", QUEUE_SDP)).as_deref(), Some(QUEUE_SDP));
    // RFC 3262: forkA's 200 without SDP means its reliable 183's answer.
    let mut early = EarlyMedia::new();
    provisional(&mut early, &recorded("183 Session Progress", "forkA", QUEUE_SDP));
    provisional(&mut early, &recorded("183 Session Progress", "forkB", AGENT_SDP));
    assert_eq!(answered(&mut early, &recorded("200 OK", "forkA", "")).as_deref(), Some(QUEUE_SDP));
}

#[test]
fn a_183_heard_after_the_200_does_not_take_the_media_back() {
    let mut early = EarlyMedia::new();
    assert_eq!(answered(&mut early, &recorded("200 OK", "as1", AGENT_SDP)).as_deref(), Some(AGENT_SDP));
    assert_eq!(provisional(&mut early, &recorded("183 Session Progress", "as1", QUEUE_SDP)), None, "stale: the answer is final");
}

#[test]
fn sdp_the_media_refused_is_not_taken_as_playing() {
    let mut early = EarlyMedia::new();
    assert!(early.provisional("as1", QUEUE_SDP).is_some());
    // The media refused it (no common codec): not marked playing, so the 2xx's SDP is applied.
    assert!(!early.is_playing());
    assert_eq!(early.answered("as1", QUEUE_SDP).as_deref(), Some(QUEUE_SDP));
}

#[test]
fn a_far_end_inventing_to_tags_keeps_a_bounded_memory() {
    let mut early = EarlyMedia::new();
    for n in 0..1000 {
        early.provisional(&format!("t{n}"), &format!("{QUEUE_SDP}a=x-n:{n}\r\n"));
    }
    assert_eq!(early.answers.len(), MAX_EARLY_DIALOGS);
    assert_eq!(early.answered("t0", ""), None, "the oldest was forgotten");
}
