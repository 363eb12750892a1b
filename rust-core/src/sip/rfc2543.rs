//! Requests from RFC 2543 peers, whose From carries no tag (RFC 3261 §12.1.1 and §12.2.1.1: the
//! dialog's remote tag is then null; RFC 4475 §3.4.1: a UAS takes such an INVITE). rsipstack's
//! endpoint drops every request whose From tag it cannot read, and makes no dialog of an INVITE
//! without a Contact, which RFC 2543 did not require. Input: a request's raw headers, or a
//! message we are about to send. Output: the request in the terms rsipstack needs, or our
//! message with every stand-in tag taken out again.
//!
//! The stand-in tag is made from the Call-ID, so every request of that call (its ACK, CANCEL,
//! BYE) gets the same one and rsipstack finds the dialog. It is taken out of everything we
//! send: the peer reads its From in our answers as it sent it, and our requests' To without a
//! tag it never gave. An INVITE without a Contact is given its From's URI as one: where an RFC
//! 2543 callee sends its requests for the call. A Contact is never echoed, so that one needs
//! no taking out.

use super::name_addr;
use super::wire::{rewrite_tight, RawHeader, RawMessage};

const STAND_IN: &[u8] = b";tag=rs2543-";

/// The stand-in tag of the call `call_id`: the same for every request of the call.
fn stand_in_tag(call_id: &str) -> String {
    // FNV-1a: stable across builds and runs, unlike std's hasher.
    let hash = call_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("rs2543-{hash:016x}")
}

/// `raw`, a request from an RFC 2543 peer (its From has no tag), written again with a stand-in
/// From tag and, for an INVITE without a Contact, its From's URI as the Contact. `None` for
/// any other request, and one that lacks a From or Call-ID (the gate answers those).
pub fn as_rfc3261(raw: &RawMessage<'_>) -> Option<Vec<u8>> {
    let from = raw.first("from")?;
    if name_addr::param(from, "tag").is_some() {
        return None;
    }
    let tag = stand_in_tag(raw.first("call-id")?);
    let mut tagged = raw.clone();
    let header = tagged.headers.iter_mut().find(|h| h.name == "from")?;
    header.value = format!("{};tag={tag}", header.value);
    if raw.start_line.starts_with("INVITE ") && raw.first("contact").is_none() {
        let (_, uri) = name_addr::split(from);
        tagged.headers.push(RawHeader { name: "contact".into(), wire_name: "Contact", value: format!("<{uri}>") });
    }
    Some(rewrite_tight(&tagged))
}

/// `message` without the stand-in tags in its header section; `None` when it has none (every
/// message but those of an RFC 2543 peer's calls).
pub fn without_stand_in_tags(message: &[u8]) -> Option<Vec<u8>> {
    let head_end = message.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(message.len());
    let head = &message[..head_end];
    head.windows(STAND_IN.len()).position(|w| w == STAND_IN)?;
    let mut out = Vec::with_capacity(message.len());
    let mut i = 0;
    while i < head.len() {
        if head[i..].starts_with(STAND_IN) {
            i += STAND_IN.len();
            while head.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            continue;
        }
        out.push(head[i]);
        i += 1;
    }
    out.extend_from_slice(&message[head_end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &[u8] = b"INVITE sip:UserB@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:+13035551111@ift.example.net;user=phone>\r\nTo: sip:+16505552222@ss1.example.net;user=phone\r\nCall-ID: inv2543.1717@ift\r\nCSeq: 56 INVITE\r\n\r\nv=0\r\n";

    #[test]
    fn a_request_without_a_from_tag_gets_the_same_stand_in_for_every_request_of_its_call_and_an_invite_a_contact() {
        let tagged = as_rfc3261(&RawMessage::split(INVITE, true).unwrap()).unwrap();
        let text = String::from_utf8(tagged.clone()).unwrap();
        let tag = stand_in_tag("inv2543.1717@ift");
        assert!(text.contains(&format!("From: <sip:+13035551111@ift.example.net;user=phone>;tag={tag}\r\n")), "{text}");
        assert!(text.contains("\r\nContact: <sip:+13035551111@ift.example.net;user=phone>\r\n\r\nv=0\r\n"), "{text}");
        let bye = b"BYE sip:UserB@example.com SIP/2.0\r\nFrom: <sip:+13035551111@ift.example.net;user=phone>\r\nCall-ID: inv2543.1717@ift\r\n\r\n";
        let bye = String::from_utf8(as_rfc3261(&RawMessage::split(bye, true).unwrap()).unwrap()).unwrap();
        assert!(bye.contains(&tag) && !bye.contains("Contact"), "{bye}");
        // A request with a tag keeps it; one of another call gets another stand-in.
        assert_eq!(as_rfc3261(&RawMessage::split(&tagged, true).unwrap()), None);
        assert_ne!(stand_in_tag("another call"), tag);
    }

    #[test]
    fn what_we_send_loses_the_stand_in_in_its_headers_only() {
        let tag = stand_in_tag("c");
        // A body (a sipfrag, say) is left as it is: its length is counted.
        let body = format!(";tag={tag}");
        let ours = format!("SIP/2.0 180 Ringing\r\nFrom: <sip:a@b>;tag={tag}\r\nTo: <sip:c@d>;tag=ours\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        let stripped = String::from_utf8(without_stand_in_tags(ours.as_bytes()).unwrap()).unwrap();
        assert_eq!(stripped, format!("SIP/2.0 180 Ringing\r\nFrom: <sip:a@b>\r\nTo: <sip:c@d>;tag=ours\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
        assert_eq!(without_stand_in_tags(b"SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=x\r\n\r\n"), None);
    }
}
