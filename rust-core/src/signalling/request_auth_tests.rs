use super::*;
use crate::sip::digest::answer;

fn alice() -> DigestCredentials {
    DigestCredentials { username: "1001".into(), password: "pw1001".into() }
}

const URI: &str = "sip:1002@pbx.test";

/// The value of `name="…"` or `name=…` in a credentials header.
fn param<'a>(value: &'a str, name: &str) -> &'a str {
    let start = value.find(&format!("{name}=")).unwrap_or_else(|| panic!("{name} in {value}")) + name.len() + 1;
    let rest = &value[start..];
    match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"').unwrap()],
        None => rest.split(',').next().unwrap().trim(),
    }
}

/// Recomputes the response the header claims, from the challenge and its own cnonce and nc.
fn assert_valid(value: &str, challenge: &str, method: &str) {
    let ch = Challenge::parse(challenge).unwrap();
    let (cnonce, nc) = if ch.qop_auth { (param(value, "cnonce"), u32::from_str_radix(param(value, "nc"), 16).unwrap()) } else { ("", 1) };
    let expected = answer(&ch, &alice(), method, URI, cnonce, nc);
    assert_eq!(param(value, "response"), param(&expected, "response"), "{value}");
}

fn retry(outcome: AuthOutcome) -> Vec<(ChallengeHeader, String)> {
    match outcome {
        AuthOutcome::Retry(headers) => headers,
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[test]
fn rfc3261_22_3_a_407_is_answered_in_proxy_authorization() {
    let ch = "Digest realm=\"pbx.test\", nonce=\"n1\"";
    let headers = retry(RequestAuth::new(alice()).challenged(407, &[ch], "INVITE", URI));
    assert_eq!(headers.len(), 1);
    assert_eq!(headers[0].0, ChallengeHeader::Proxy);
    assert_valid(&headers[0].1, ch, "INVITE");
}

#[test]
fn rfc3261_22_2_a_401_is_answered_in_authorization() {
    let ch = "Digest realm=\"pbx.test\", nonce=\"n1\", qop=auth";
    let headers = retry(RequestAuth::new(alice()).challenged(401, &[ch], "INVITE", URI));
    assert_eq!(headers[0].0, ChallengeHeader::Www);
    assert_valid(&headers[0].1, ch, "INVITE");
}

#[test]
fn rfc7616_sha256_with_a_quoted_qop_list_is_answered_with_sha256() {
    let ch = "Digest realm=\"pbx.test\", nonce=\"n1\", qop=\"auth,auth-int\", algorithm=SHA-256";
    let headers = retry(RequestAuth::new(alice()).challenged(407, &[ch], "INVITE", URI));
    let value = &headers[0].1;
    assert!(value.contains("algorithm=SHA-256") && value.contains("qop=auth,") && value.contains("nc=00000001"), "{value}");
    assert_eq!(param(value, "response").len(), 64, "a SHA-256 response: {value}");
    assert_valid(value, ch, "INVITE");
}

#[test]
fn rfc7616_sess_variant_is_answered() {
    let ch = "Digest realm=\"pbx.test\", nonce=\"n1\", qop=\"auth\", algorithm=SHA-256-sess";
    let headers = retry(RequestAuth::new(alice()).challenged(401, &[ch], "INVITE", URI));
    assert!(headers[0].1.contains("algorithm=SHA-256-sess"));
    assert_valid(&headers[0].1, ch, "INVITE");
}

#[test]
fn rfc8760_2_4_of_two_challenges_the_sha256_one_is_answered() {
    let md5 = "Digest realm=\"pbx.test\", nonce=\"m\", algorithm=MD5, qop=auth";
    let sha = "Digest realm=\"pbx.test\", nonce=\"s\", algorithm=SHA-256, qop=auth";
    for order in [[md5, sha], [sha, md5]] {
        let headers = retry(RequestAuth::new(alice()).challenged(407, &order, "INVITE", URI));
        assert_eq!(headers.len(), 1);
        assert_valid(&headers[0].1, sha, "INVITE");
    }
}

#[test]
fn an_unanswerable_challenge_gives_up_with_its_code_and_why() {
    let mut auth = RequestAuth::new(alice());
    match auth.challenged(407, &["Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"], "INVITE", URI) {
        AuthOutcome::GiveUp { code, reason } => assert_eq!((code, reason.contains("SHA-512-256")), (407, true), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(auth.challenged(401, &[], "INVITE", URI), AuthOutcome::GiveUp { code: 401, .. }));
    assert!(matches!(auth.challenged(401, &["Basic realm=\"r\""], "INVITE", URI), AuthOutcome::GiveUp { code: 401, .. }));
}

#[test]
fn a_second_challenge_for_the_same_realm_means_wrong_credentials() {
    let mut auth = RequestAuth::new(alice());
    retry(auth.challenged(407, &["Digest realm=\"pbx.test\", nonce=\"n1\""], "INVITE", URI));
    match auth.challenged(407, &["Digest realm=\"pbx.test\", nonce=\"n2\""], "INVITE", URI) {
        AuthOutcome::GiveUp { code, reason } => assert_eq!((code, reason.contains("password")), (407, true), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc7616_3_3_a_stale_nonce_is_answered_again_with_nc_back_at_1_twice_at_most() {
    let mut auth = RequestAuth::new(alice());
    retry(auth.challenged(401, &["Digest realm=\"pbx.test\", nonce=\"n1\", qop=auth"], "INVITE", URI));
    for (i, nonce) in ["n2", "n3"].into_iter().enumerate() {
        let ch = format!("Digest realm=\"pbx.test\", nonce=\"{nonce}\", qop=auth, stale=true");
        let headers = retry(auth.challenged(401, &[&ch], "INVITE", URI));
        assert!(headers[0].1.contains(&format!("nonce=\"{nonce}\"")) && headers[0].1.contains("nc=00000001"), "stale retry {i}: {:?}", headers);
    }
    let again = auth.challenged(401, &["Digest realm=\"pbx.test\", nonce=\"n4\", qop=auth, stale=true"], "INVITE", URI);
    assert!(matches!(again, AuthOutcome::GiveUp { code: 401, .. }), "{again:?}");
}

#[test]
fn rfc3261_22_3_a_second_proxy_realm_is_answered_and_both_go_on_the_retry() {
    let mut auth = RequestAuth::new(alice());
    retry(auth.challenged(407, &["Digest realm=\"edge\", nonce=\"e\""], "INVITE", URI));
    let headers = retry(auth.challenged(401, &["Digest realm=\"pbx.test\", nonce=\"p\""], "INVITE", URI));
    assert_eq!(headers.iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![ChallengeHeader::Proxy, ChallengeHeader::Www]);
}

#[test]
fn rfc7616_3_4_later_requests_of_the_dialog_reuse_the_nonce_with_a_higher_count() {
    let mut auth = RequestAuth::new(alice());
    assert!(auth.authorize("BYE", URI).is_empty(), "nothing to send before a challenge");
    let ch = "Digest realm=\"pbx.test\", nonce=\"n1\", qop=\"auth\"";
    retry(auth.challenged(407, &[ch], "INVITE", URI));
    let bye = auth.authorize("BYE", URI);
    assert!(bye[0].1.contains("nc=00000002"), "{:?}", bye);
    assert_valid(&bye[0].1, ch, "BYE");
}

#[test]
fn not_a_challenge_code_gives_up() {
    assert!(matches!(RequestAuth::new(alice()).challenged(403, &[], "INVITE", URI), AuthOutcome::GiveUp { code: 403, .. }));
}
