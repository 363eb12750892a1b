//! `PinningVerifier`: the rustls server-certificate check of SIP flows. Input: the certificate
//! chain a PBX presents, its expected name and the time; output: accepted, or a
//! `CertificateError` that [`describe`] puts into words for the registration event.
//!
//! Certificates in `[sip] tls_ca_file` are both trust anchors and pins. A presented
//! end-entity certificate byte-equal to a pinned one is accepted as it is, after the checks
//! that still mean something for it: the name (RFC 5922 §7.2: the SIP domain or proxy host
//! must match the certificate) and the validity period. That is what lets a PBX with a
//! self-signed `CA:TRUE` certificate (what `openssl req -x509` makes by default, and what many
//! on-premise PBXs ship) be trusted: WebPKI refuses such a certificate as its own end entity
//! (`CaUsedAsEndEntity`). Every other chain goes to the normal WebPKI verifier.
//! The handshake signature is always checked against the presented certificate's key, so a
//! peer that merely replays a pinned certificate without its private key still fails.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
pub struct PinningVerifier {
    pins: Vec<CertificateDer<'static>>,
    webpki: Arc<WebPkiServerVerifier>,
}

impl PinningVerifier {
    /// `roots`: every trust anchor (the system's and the pinned ones); `pins`: the
    /// certificates of `tls_ca_file`.
    pub fn new(roots: RootCertStore, pins: Vec<CertificateDer<'static>>) -> Result<Self, String> {
        let webpki = WebPkiServerVerifier::builder(Arc::new(roots)).build().map_err(|e| format!("TLS trust store: {e}"))?;
        Ok(PinningVerifier { pins, webpki })
    }

    fn verify_pinned(end_entity: &CertificateDer<'_>, server_name: &ServerName<'_>, now: UnixTime) -> Result<(), CertificateError> {
        let cert = webpki::EndEntityCert::try_from(end_entity).map_err(|_| CertificateError::BadEncoding)?;
        if cert.verify_is_valid_for_subject_name(server_name).is_err() {
            let presented = cert.valid_dns_names().map(str::to_string).collect();
            return Err(CertificateError::NotValidForNameContext { expected: server_name.to_owned(), presented });
        }
        let (not_before, not_after) = validity(end_entity.as_ref()).ok_or(CertificateError::BadEncoding)?;
        let secs = |s: u64| UnixTime::since_unix_epoch(Duration::from_secs(s));
        if now.as_secs() < not_before {
            return Err(CertificateError::NotValidYetContext { time: now, not_before: secs(not_before) });
        }
        if now.as_secs() > not_after {
            return Err(CertificateError::ExpiredContext { time: now, not_after: secs(not_after) });
        }
        Ok(())
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.pins.iter().any(|pin| pin.as_ref() == end_entity.as_ref()) {
            Self::verify_pinned(end_entity, server_name, now)?;
            return Ok(ServerCertVerified::assertion());
        }
        self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The certificate problem of a failed handshake with `host`, in words a user can act on.
pub fn describe(error: &rustls::Error, host: &str) -> String {
    let rustls::Error::InvalidCertificate(problem) = error else {
        return format!("TLS handshake with {host} failed: {error}");
    };
    let what = match problem {
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!("is not valid for host {host}"),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "has expired".into(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "is not valid yet (is the phone's clock right?)".into(),
        CertificateError::UnknownIssuer => "has an unknown issuer: neither a system CA nor tls_ca_file vouches for it".into(),
        CertificateError::BadSignature => "has a bad signature".into(),
        CertificateError::Revoked => "was revoked".into(),
        CertificateError::BadEncoding => "is malformed".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => "is not meant for a TLS server".into(),
        CertificateError::Other(other) if matches!(other.0.downcast_ref::<webpki::Error>(), Some(webpki::Error::CaUsedAsEndEntity)) => {
            "is a CA certificate used as a server's (self-signed?): pin it in tls_ca_file to trust it as it is".into()
        }
        other => format!("was refused ({other:?})"),
    };
    format!("the certificate of {host} {what}")
}

/// notBefore and notAfter (RFC 5280 §4.1.2.5) of a DER certificate, in Unix seconds.
pub fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let (0x30, cert, _) = tlv(der)? else { return None };
    let (0x30, tbs, _) = tlv(cert)? else { return None };
    // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, validity, ...
    let (tag, _, after) = tlv(tbs)?;
    let rest = if tag == 0xa0 { after } else { tbs };
    let (_, _, rest) = tlv(rest)?;
    let (_, _, rest) = tlv(rest)?;
    let (_, _, rest) = tlv(rest)?;
    let (0x30, times, _) = tlv(rest)? else { return None };
    let (tag1, before, rest) = tlv(times)?;
    let (tag2, after, _) = tlv(rest)?;
    Some((der_time(tag1, before)?, der_time(tag2, after)?))
}

/// One DER tag-length-value at the start of `input`: (tag, contents, what follows).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// RFC 5280 §4.1.2.5.1-2: UTCTime `YYMMDDHHMMSSZ` (YY below 50 is 20YY) or GeneralizedTime
/// `YYYYMMDDHHMMSSZ`, always in UTC.
fn der_time(tag: u8, text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest): (i64, &str) = match (tag, text.len()) {
        (0x17, 12) => {
            let yy: i64 = text[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        (0x18, 14) => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |i: usize| rest[i..i + 2].parse::<i64>().ok();
    let (month, day, hour, minute, second) = (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(secs).ok()
}

/// Days from 1970-01-01 to a proleptic Gregorian date (eras of 400 years, March-based years).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;

    /// `openssl req -x509 -newkey ec … -days 36500 -subj /CN=pbx.test -addext
    /// subjectAltName=DNS:pbx.test,IP:127.0.0.1`: self-signed, `CA:TRUE`, valid 2026-12-02
    /// (UTCTime) to 2126-11-08 (GeneralizedTime).
    const SELF_SIGNED: &[u8] = include_bytes!("testdata/pbx-selfsigned.pem");
    const NOT_BEFORE: u64 = 1_796_205_083;
    const NOT_AFTER: u64 = 4_949_805_083;

    fn cert() -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(SELF_SIGNED).unwrap()
    }

    fn verifier(pinned: bool) -> PinningVerifier {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut roots = RootCertStore::empty();
        let pins = if pinned { vec![cert()] } else { Vec::new() };
        roots.add_parsable_certificates(pins.clone());
        // An empty store cannot build a WebPKI verifier; an unrelated anchor stands in for the
        // system's when nothing is pinned.
        if roots.is_empty() {
            roots.add(cert()).unwrap();
        }
        PinningVerifier::new(roots, pins).unwrap()
    }

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs))
    }

    fn check(v: &PinningVerifier, host: &str, now: u64) -> Result<ServerCertVerified, rustls::Error> {
        v.verify_server_cert(&cert(), &[], &ServerName::try_from(host.to_string()).unwrap(), &[], at(now))
    }

    #[test]
    fn validity_reads_utctime_and_generalizedtime() {
        assert_eq!(validity(cert().as_ref()), Some((NOT_BEFORE, NOT_AFTER)));
    }

    #[test]
    fn rfc5280_utctime_years_below_50_are_this_century() {
        assert_eq!(der_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(der_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(der_time(0x18, b"20000301000000Z"), Some(951_868_800), "leap year 2000");
    }

    #[test]
    fn malformed_times_and_truncated_certificates_are_refused_not_panicked_on() {
        assert_eq!(der_time(0x17, b"701301000000Z"), None, "month 13");
        assert_eq!(der_time(0x17, b"7001010000Z"), None, "too short");
        assert_eq!(der_time(0x18, b"2000030100000+"), None, "not UTC");
        let der = cert();
        for len in 0..der.as_ref().len() {
            let _ = validity(&der.as_ref()[..len]);
        }
        assert_eq!(validity(b"\x30\x84\xff\xff\xff\xff"), None);
    }

    #[test]
    fn a_pinned_self_signed_ca_certificate_is_accepted_for_its_hosts() {
        let v = verifier(true);
        assert!(check(&v, "127.0.0.1", NOT_BEFORE + 60).is_ok());
        assert!(check(&v, "pbx.test", NOT_AFTER - 60).is_ok());
    }

    #[test]
    fn rfc5922_a_pinned_certificate_for_another_host_is_refused_in_words() {
        let err = check(&verifier(true), "pbx.elsewhere", NOT_BEFORE + 60).unwrap_err();
        assert_eq!(describe(&err, "pbx.elsewhere"), "the certificate of pbx.elsewhere is not valid for host pbx.elsewhere");
    }

    #[test]
    fn a_pinned_certificate_outside_its_validity_is_refused() {
        let v = verifier(true);
        assert!(describe(&check(&v, "pbx.test", NOT_AFTER + 1).unwrap_err(), "pbx.test").ends_with("has expired"));
        assert!(describe(&check(&v, "pbx.test", NOT_BEFORE - 1).unwrap_err(), "pbx.test").contains("not valid yet"));
    }

    #[test]
    fn without_the_pin_webpki_refuses_a_ca_certificate_as_end_entity() {
        let err = check(&verifier(false), "pbx.test", NOT_BEFORE + 60).unwrap_err();
        assert!(describe(&err, "pbx.test").contains("pin it in tls_ca_file"), "{err:?}");
    }

    #[test]
    fn unknown_issuers_are_named() {
        let err = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(describe(&err, "pbx.test"), "the certificate of pbx.test has an unknown issuer: neither a system CA nor tls_ca_file vouches for it");
    }
}
