//! REGISTER on the wire: building the request from the machine's decision, and reducing the
//! final response to the facts the [`RegistrationMachine`] decides on.
//!
//! [`RegistrationMachine`]: crate::signalling::registration::RegistrationMachine

use crate::signalling::registration::{ChallengeHeader, RegisterResponse};
use crate::sip::wire::split_unquoted;
use rsipstack::sip::{Request, Response};

/// What one REGISTER says; the engine fills it from the account and the live flow.
#[derive(Debug, Clone)]
pub struct RegisterParams {
    pub username: String,
    pub domain: String,
    pub display_name: Option<String>,
    /// `host:port` our Contact advertises (local, or as discovered through NAT).
    pub contact_addr: String,
    /// `udp`, `tcp` or `tls`: also goes in the Contact so the registrar reaches us on the flow.
    pub transport: &'static str,
    /// `urn:uuid:…` (RFC 5626 §4.1).
    pub instance: String,
    pub reg_id: u32,
    pub expires: u32,
    pub cseq: u32,
    pub call_id: String,
    pub from_tag: String,
    /// The Via value (rsipstack builds it with a fresh branch and `rport`).
    pub via: String,
    pub authorization: Option<(ChallengeHeader, String)>,
    pub user_agent: String,
    /// RFC 8599 push parameters for the Contact (`pn-provider=…;pn-prid=…`), when configured.
    pub push_params: Option<String>,
    /// A contact URI the registrar still holds for us but that is no longer ours (the network
    /// changed, or NAT discovery rewrote it): removed in the same request with `expires=0`
    /// (RFC 3261 §10.2.2), so the PBX stops forking calls to a dead address.
    pub stale_contact: Option<String>,
}

impl RegisterParams {
    pub fn request_uri(&self) -> String {
        format!("sip:{}", self.domain)
    }

    pub fn contact_uri(&self) -> String {
        let transport = if self.transport == "udp" { String::new() } else { format!(";transport={}", self.transport) };
        format!("sip:{}@{}{}", self.username, self.contact_addr, transport)
    }

    /// The full Contact value, with instance and reg-id (RFC 5626 §4.2.1).
    pub fn contact(&self) -> String {
        let push = self.push_params.as_deref().map(|p| format!(";{p}")).unwrap_or_default();
        format!("<{}{push}>;+sip.instance=\"<{}>\";reg-id={};expires={}", self.contact_uri(), self.instance, self.reg_id, self.expires)
    }
}

/// Builds the REGISTER (RFC 3261 §10.2).
pub fn build_register(p: &RegisterParams) -> Result<Request, rsipstack::Error> {
    let aor = format!("sip:{}@{}", p.username, p.domain);
    let from = match &p.display_name {
        Some(name) => format!("\"{}\" <{aor}>", name.replace('"', "'")),
        None => format!("<{aor}>"),
    };
    let mut text = format!(
        "REGISTER {ruri} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {from};tag={tag}\r\nTo: <{aor}>\r\n\
         Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\nContact: {contact}\r\nExpires: {expires}\r\n\
         Supported: path, outbound\r\nAllow: {allow}\r\nUser-Agent: {ua}\r\n",
        ruri = p.request_uri(),
        via = p.via,
        tag = p.from_tag,
        call_id = p.call_id,
        cseq = p.cseq,
        contact = p.contact(),
        expires = p.expires,
        allow = crate::sip::inbound::ALLOWED_METHODS,
        ua = p.user_agent,
    );
    if let Some(old) = p.stale_contact.as_deref().filter(|old| *old != p.contact_uri()) {
        text.push_str(&format!("Contact: <{old}>;expires=0\r\n"));
    }
    if let Some((header, value)) = &p.authorization {
        let name = match header {
            ChallengeHeader::Www => "Authorization",
            ChallengeHeader::Proxy => "Proxy-Authorization",
        };
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    Request::try_from(text.as_str()).map_err(|e| rsipstack::Error::Error(format!("building REGISTER: {e}")))
}

/// A final response's headers, lower-cased by name.
pub struct ResponseHeaders(Vec<(String, String)>);

impl ResponseHeaders {
    pub fn of(resp: &Response) -> Self {
        ResponseHeaders(resp.headers.iter().map(|h| (h.name().to_ascii_lowercase(), h.value().trim().to_string())).collect())
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What any refreshed binding (REGISTER, SUBSCRIBE) learns from a final response: status,
/// challenge, Min-Expires, Retry-After, and the `Expires` header as the granted expiry.
pub fn reduce_binding_response(resp: &Response, headers: &ResponseHeaders) -> RegisterResponse {
    let code = u16::from(resp.status_code.clone());
    let challenge = match code {
        401 => headers.first("www-authenticate").map(|v| (ChallengeHeader::Www, v.to_string())),
        407 => headers.first("proxy-authenticate").map(|v| (ChallengeHeader::Proxy, v.to_string())),
        _ => None,
    };
    RegisterResponse {
        code,
        reason: resp.reason_phrase().unwrap_or("").to_string(),
        granted_expires: headers.first("expires").and_then(|v| v.parse().ok()),
        min_expires: headers.first("min-expires").and_then(|v| v.parse().ok()),
        retry_after: headers.first("retry-after").and_then(|v| v.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()),
        challenge,
        public_addr: None,
    }
}

/// Reduces a final response to REGISTER to what the registration policy needs: the expiry
/// granted to *our* Contact, and our address as the registrar saw it.
pub fn reduce_response(resp: &Response, sent: &RegisterParams) -> RegisterResponse {
    let headers = ResponseHeaders::of(resp);
    let mut reduced = reduce_binding_response(resp, &headers);
    reduced.granted_expires = granted_expires(&headers, sent).or(reduced.granted_expires);
    if (200..300).contains(&reduced.code) {
        reduced.public_addr = discovered_addr(headers.first("via"), &sent.contact_addr);
    }
    reduced
}

/// The `expires` the registrar granted to *our* binding: the Contact whose URI or instance is
/// ours (a 200 lists every binding of the AOR, the desk phone's too).
fn granted_expires(headers: &ResponseHeaders, sent: &RegisterParams) -> Option<u32> {
    let ours = sent.contact_uri();
    headers.all("contact").flat_map(|v| split_unquoted(v, ',')).find(|c| c.contains(&ours) || c.contains(&sent.instance)).and_then(|c| {
        crate::sip::name_addr::param(c, "expires").and_then(|v| v.parse().ok())
    })
}

/// RFC 3581: `received`/`rport` of our top Via, when they differ from our Contact address.
fn discovered_addr(via: Option<&str>, contact_addr: &str) -> Option<String> {
    let via = via?;
    let sent_by = via.split_whitespace().nth(1)?.split(';').next()?;
    let param = |name: &str| crate::sip::name_addr::param(via, name).map(str::to_string);
    let received = param("received");
    let rport = param("rport");
    if received.is_none() && rport.is_none() {
        return None;
    }
    let (sent_host, sent_port) = sent_by.rsplit_once(':').unwrap_or((sent_by, "5060"));
    let host = received.unwrap_or_else(|| sent_host.to_string());
    let port = rport.unwrap_or_else(|| sent_port.to_string());
    let seen = format!("{host}:{port}");
    (seen != contact_addr).then_some(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> RegisterParams {
        RegisterParams {
            username: "1001".into(),
            domain: "pbx.test".into(),
            display_name: Some("Alice \"A\"".into()),
            contact_addr: "192.0.2.10:5062".into(),
            transport: "tcp",
            instance: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
            reg_id: 1,
            expires: 600,
            cseq: 7,
            call_id: "abc@ringside".into(),
            from_tag: "t1".into(),
            via: "SIP/2.0/TCP 192.0.2.10:5062;branch=z9hG4bKx;rport".into(),
            authorization: Some((ChallengeHeader::Proxy, "Digest username=\"1001\"".into())),
            user_agent: "Ringside/test".into(),
            push_params: None,
            stale_contact: Some("sip:1001@192.0.2.10:4000".into()),
        }
    }

    #[test]
    fn register_carries_instance_reg_id_and_answer_header() {
        let req = build_register(&params()).unwrap();
        let text = req.to_string();
        assert!(text.starts_with("REGISTER sip:pbx.test SIP/2.0\r\n"), "{text}");
        assert!(
            text.contains(
                "Contact: <sip:1001@192.0.2.10:5062;transport=tcp>;+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-000000000001>\";reg-id=1;expires=600"
            ),
            "{text}"
        );
        assert!(text.contains("Proxy-Authorization: Digest username=\"1001\""));
        assert!(text.contains("Contact: <sip:1001@192.0.2.10:4000>;expires=0\r\n"), "the old binding is removed: {text}");
        assert!(text.contains("CSeq: 7 REGISTER") && text.contains("From: \"Alice 'A'\" <sip:1001@pbx.test>;tag=t1"));
        // What we send passes our own inbound gate.
        assert!(matches!(crate::sip::inbound::classify(text.as_bytes(), true), crate::sip::inbound::Verdict::Request(_)));
    }

    fn response(text: &str) -> Response {
        Response::try_from(text).unwrap()
    }

    #[test]
    fn granted_expiry_is_read_from_our_binding_not_the_desk_phones() {
        let r = response(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.10:5062;branch=z9hG4bKx;rport=5062\r\nFrom: <sip:1001@pbx.test>;tag=t1\r\n\
             To: <sip:1001@pbx.test>;tag=s\r\nCall-ID: abc@ringside\r\nCSeq: 7 REGISTER\r\n\
             Contact: <sip:1001@192.0.2.99:5060>;expires=3600, <sip:1001@192.0.2.10:5062;transport=tcp>;expires=300;+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-000000000001>\"\r\n\
             Expires: 900\r\nContent-Length: 0\r\n\r\n",
        );
        let reduced = reduce_response(&r, &params());
        assert_eq!(reduced.code, 200);
        assert_eq!(reduced.granted_expires, Some(300));
        assert_eq!(reduced.public_addr, None, "rport equal to our port, no received: no NAT");
    }

    #[test]
    fn rfc3581_received_and_rport_reveal_nat() {
        let r = response(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKx;rport=41000;received=198.51.100.4\r\n\
             From: <sip:1001@pbx.test>;tag=t1\r\nTo: <sip:1001@pbx.test>;tag=s\r\nCall-ID: abc\r\nCSeq: 7 REGISTER\r\nContent-Length: 0\r\n\r\n",
        );
        assert_eq!(reduce_response(&r, &params()).public_addr.as_deref(), Some("198.51.100.4:41000"));
    }

    #[test]
    fn challenge_min_expires_and_retry_after_are_extracted() {
        let r = response(
            "SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\n\
             Call-ID: c\r\nCSeq: 1 REGISTER\r\nProxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\", algorithm=SHA-256\r\nContent-Length: 0\r\n\r\n",
        );
        let reduced = reduce_response(&r, &params());
        let (header, value) = reduced.challenge.unwrap();
        assert_eq!(header, ChallengeHeader::Proxy);
        assert!(value.contains("SHA-256") && value.contains("auth,auth-int"));
        let r = response("SIP/2.0 503 Busy\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nRetry-After: 30 (maintenance)\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(reduce_response(&r, &params()).retry_after, Some(30));
        let r = response("SIP/2.0 423 Interval Too Brief\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nMin-Expires: 1800\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(reduce_response(&r, &params()).min_expires, Some(1800));
    }
}
