//! `ringside register` against a real Kamailio registrar on loopback: UDP, TCP, TLS, digest
//! (MD5, SHA-256, stale nonces), restarts, unregister on SIGINT, exit codes, secrets.

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ringside::{config, Ringside};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);

/// Sends OPTIONS to `user` through the PBX; the PBX forwards it to the registered contact, so
/// a 200 proves the binding is live and reachable, not merely stored.
fn options_through_pbx(pbx: &Pbx, user: &str) -> Option<String> {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let local = sock.local_addr().unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let msg = format!(
            "OPTIONS sip:{user}@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKopt{n}x\r\nMax-Forwards: 70\r\nFrom: <sip:probe@pbx.test>;tag=o{n}\r\nTo: <sip:{user}@pbx.test>\r\nCall-ID: opt{n}-{}@testbed\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            local.port()
        );
        sock.send_to(msg.as_bytes(), ("127.0.0.1", pbx.udp_port)).unwrap();
        let mut buf = [0u8; 4096];
        while let Ok((len, _)) = sock.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..len]).to_string();
            if !text.starts_with("SIP/2.0 1") {
                return Some(text);
            }
        }
    }
    None
}

fn register_and_unregister(transport: &str) {
    let pbx = Pbx::start(PbxOptions { tls: transport == "tls", ..Default::default() });
    let extra = pbx.ca_cert.as_ref().map(|ca| format!("tls_ca_file = \"{}\"", ca.display())).unwrap_or_default();
    // How fast it registers is measured by `scripts/bench register-refresh` against a peer;
    // a timed assert here only measures how busy the machine is.
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri(transport), &extra), "pw1001", &["register"]);
    let registered = phone.expect_event("registered", 5 * SEC);
    assert_eq!(registered["account"], "1001@pbx.test");
    let contact = registered["contact"].as_str().unwrap();
    if transport != "udp" {
        assert!(contact.ends_with(&format!(";transport={transport}")), "{contact}");
    }
    let answer = options_through_pbx(&pbx, "1001").expect("OPTIONS through the PBX answered");
    assert!(answer.starts_with("SIP/2.0 200"), "{transport}: the binding is reachable through the PBX: {answer}");

    phone.signal(libc::SIGINT);
    phone.expect_event("unregistered", 5 * SEC);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0), "SIGINT exits 0");
    let after = options_through_pbx(&pbx, "1001").expect("PBX answers");
    assert!(after.starts_with("SIP/2.0 404"), "{transport}: binding removed on unregister: {after}");
}

#[test]
fn registers_on_udp_and_unregisters_on_sigint() {
    register_and_unregister("udp");
}

#[test]
fn registers_on_tcp_and_unregisters_on_sigint() {
    register_and_unregister("tcp");
}

#[test]
fn registers_on_tls_and_unregisters_on_sigint() {
    register_and_unregister("tls");
}

#[test]
fn tls_refuses_a_server_whose_certificate_is_not_trusted() {
    let pbx = Pbx::start(PbxOptions { tls: true, ..Default::default() });
    // No tls_ca_file: the test CA is not among the system roots, so the handshake must fail.
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tls"), ""), "pw1001", &["register"]);
    let failed = phone.expect_event("registration_failed", 5 * SEC);
    assert!(failed["retry_in_ms"].is_u64(), "a transport failure is retried: {failed}");
    assert!(phone.wait_event("registered", 2 * SEC).is_none(), "never registered over an unverified TLS flow");
}

/// A PBX with an `openssl req -x509` certificate (self-signed, `CA:TRUE`), pinned or not.
fn self_signed_pbx(san: &str) -> (Pbx, String) {
    let pbx = Pbx::start(PbxOptions { tls: true, tls_self_signed: Some(san.into()), ..Default::default() });
    let pin = format!("tls_ca_file = \"{}\"", pbx.ca_cert.as_ref().unwrap().display());
    (pbx, pin)
}

#[test]
fn tls_a_pinned_self_signed_ca_certificate_registers() {
    let (pbx, pin) = self_signed_pbx("IP:127.0.0.1");
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tls"), &pin), "pw1001", &["register"]);
    let registered = phone.expect_event("registered", 5 * SEC);
    assert!(registered["contact"].as_str().unwrap().ends_with(";transport=tls"), "{registered}");
    assert!(options_through_pbx(&pbx, "1001").unwrap().starts_with("SIP/2.0 200"), "the TLS binding is reachable");
}

#[test]
fn tls_an_unpinned_self_signed_certificate_is_refused_in_words_and_retried_with_back_off() {
    let (pbx, _) = self_signed_pbx("IP:127.0.0.1");
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tls"), "timer_t1_ms = 100"), "pw1001", &["register"]);
    let first = phone.expect_event("registration_failed", 5 * SEC);
    let reason = first["reason"].as_str().unwrap();
    assert!(reason.contains("the certificate of 127.0.0.1 is a CA certificate") && reason.contains("pin it in tls_ca_file"), "{first}");
    let second = phone.expect_event("registration_failed", 10 * SEC);
    assert!(second["retry_in_ms"].as_u64() > first["retry_in_ms"].as_u64(), "the retry backs off: {first} then {second}");
    assert!(phone.events.iter().all(|e| e["event"] != "registered"), "never registered over an unverified TLS flow");
}

#[test]
fn tls_a_pinned_certificate_for_another_host_is_refused_in_words() {
    let (pbx, pin) = self_signed_pbx("DNS:pbx.elsewhere.example");
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tls"), &pin), "pw1001", &["register"]);
    let failed = phone.expect_event("registration_failed", 5 * SEC);
    assert!(failed["reason"].as_str().unwrap().contains("the certificate of 127.0.0.1 is not valid for host 127.0.0.1"), "{failed}");
    assert!(failed["retry_in_ms"].is_u64(), "{failed}");
    assert!(phone.wait_event("registered", 2 * SEC).is_none(), "a pin does not waive the name check");
}

#[test]
fn sha256_digest_is_answered() {
    let pbx = Pbx::start(PbxOptions { sha256: true, ..Default::default() });
    let mut phone = Ringside::start(&config("1002", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1002", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    assert!(phone.stderr().contains("algorithm=SHA-256"), "answered with SHA-256: {}", phone.stderr_tail());
}

#[test]
fn expired_nonces_are_renewed_without_bothering_the_user() {
    // Nonces live 2 s; bindings 4 s, refreshed every 2 s: refreshes meet expired nonces.
    let pbx = Pbx::start(PbxOptions { nonce_expire: 2, ..Default::default() });
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), "expires = 4"), "pw1001", &["register"]);
    for _ in 0..4 {
        phone.expect_event("registered", 5 * SEC);
    }
    assert!(phone.events.iter().all(|e| e["event"] == "registered"), "no failure reported: {:?}", phone.events);
    // Kamailio 5.6 answers an expired nonce with a fresh challenge (without stale=true); the
    // refresh that carried the old nonce was re-challenged and answered silently.
    let challenges = phone.stderr().matches("SIP/2.0 401 Unauthorized").count();
    assert!(challenges >= 2, "refreshes met expired nonces ({challenges} challenges)");
}

#[test]
fn wrong_password_exits_3_with_one_clear_sentence() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "not-the-password", &["register"]);
    let failed = phone.expect_event("registration_failed", 5 * SEC);
    assert!(failed["retry_in_ms"].is_null(), "{failed}");
    assert_eq!(phone.wait_exit(5 * SEC), Some(3));
    assert!(phone.stderr().contains("registration failed: authentication failed"), "{}", phone.stderr_tail());
}

#[test]
fn survives_a_registrar_restart_on_udp() {
    let mut pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), "expires = 4\ntimer_t1_ms = 100"), "pw1001", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    pbx.stop();
    // The next refresh (2 s) gets no answer: 64·T1 = 6.4 s later it is reported and backed off.
    phone.expect_event("registration_failed", 15 * SEC);
    pbx.restart();
    let again = Instant::now();
    phone.expect_event("registered", 20 * SEC);
    println!("registered again {:?} after the restart", again.elapsed());
    assert!(options_through_pbx(&pbx, "1001").unwrap().starts_with("SIP/2.0 200"), "binding restored in the new registrar");
}

#[test]
fn survives_a_registrar_restart_on_tcp_by_noticing_the_dead_flow() {
    let mut pbx = Pbx::start(PbxOptions::default());
    // A long expiry: only flow-failure detection can bring the binding back quickly.
    let mut phone = Ringside::start(
        &config("1001", "pbx.test", &pbx.proxy_uri("tcp"), "expires = 600\nkeepalive_secs = 1\npong_timeout_secs = 1"),
        "pw1001",
        &["register"],
    );
    phone.expect_event("registered", 5 * SEC);
    pbx.restart();
    let again = Instant::now();
    phone.expect_event("registered", 15 * SEC);
    println!("TCP: registered again {:?} after the restart", again.elapsed());
    assert!(options_through_pbx(&pbx, "1001").unwrap().starts_with("SIP/2.0 200"));
}

#[test]
fn keepalive_pings_are_answered_and_keep_the_flow() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tcp"), "keepalive_secs = 1\npong_timeout_secs = 1"), "pw1001", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    // Over 4 s the idle deadline (2 s) passes twice: only pongs keep the flow alive.
    assert!(phone.wait_event("registered", 4 * SEC).is_none(), "no re-registration: the flow stayed up");
    assert!(!phone.stderr().contains("registration flow died"), "{}", phone.stderr_tail());
    assert!(options_through_pbx(&pbx, "1001").unwrap().starts_with("SIP/2.0 200"));
}

#[test]
fn several_accounts_register_at_once() {
    let pbx = Pbx::start(PbxOptions::default());
    let proxy = pbx.proxy_uri("udp");
    let cfg = format!(
        "[[accounts]]\nusername = \"1001\"\ndomain = \"pbx.test\"\nproxy = \"{proxy}\"\npassword_env = \"PW_A\"\n\n[[accounts]]\nusername = \"1002\"\ndomain = \"pbx.test\"\nproxy = \"{proxy}\"\npassword_env = \"PW_B\"\n"
    );
    std::env::set_var("PW_A", "pw1001");
    std::env::set_var("PW_B", "pw1002");
    let mut phone = Ringside::start(&cfg, "unused", &["register"]);
    let a = phone.expect_event("registered", 5 * SEC);
    let b = phone.expect_event("registered", 5 * SEC);
    let mut accounts = [a["account"].as_str().unwrap().to_string(), b["account"].as_str().unwrap().to_string()];
    accounts.sort();
    assert_eq!(accounts, ["1001@pbx.test", "1002@pbx.test"]);
    assert!(options_through_pbx(&pbx, "1001").unwrap().starts_with("SIP/2.0 200"));
    assert!(options_through_pbx(&pbx, "1002").unwrap().starts_with("SIP/2.0 200"));
}

#[test]
fn bad_config_exits_2_with_one_sentence_and_password_is_never_printed() {
    let mut phone = Ringside::start("[account]\nusername = \"1001\"\n", "pw", &["register"]);
    assert_eq!(phone.wait_exit(5 * SEC), Some(2));
    let err = phone.stderr();
    assert!(err.contains("missing field `domain`") && err.trim().lines().count() == 1, "{err}");

    let pbx = Pbx::start(PbxOptions::default());
    let secret = "Sup3r-Secret-Pw";
    let mut phone = Ringside::start(&config("1003", "pbx.test", &pbx.proxy_uri("udp"), ""), secret, &["--log", "trace", "register"]);
    phone.wait_event("registration_failed", 5 * SEC);
    phone.signal(libc::SIGTERM);
    phone.wait_exit(5 * SEC);
    phone.drain();
    let stdout: String = phone.events.iter().map(|e| e.to_string()).collect();
    assert!(!stdout.contains(secret) && !phone.stderr().contains(secret), "password leaked");
}

#[test]
fn network_change_moves_the_binding_to_a_fresh_flow() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tcp"), ""), "pw1001", &["register"]);
    let first = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    assert_eq!(pbx.contacts("1001"), vec![first.clone()]);
    // What a shell's NetworkMonitor reports (Wi-Fi to LTE); the CLI takes it as SIGUSR1.
    phone.signal(libc::SIGUSR1);
    let second = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    assert_ne!(first, second, "a new flow, a new contact");
    assert_eq!(pbx.contacts("1001"), vec![second], "the old binding was removed, not left to fork calls into");
    assert!(options_through_pbx(&pbx, "1001").unwrap().starts_with("SIP/2.0 200"));
}

#[test]
fn rfc3263_without_proxy_naptr_srv_and_a_locate_the_registrar() {
    let pbx = Pbx::start(PbxOptions::default());
    let dns = ringside_testbed::dns::Dns::start(&[
        // NAPTR prefers TCP over UDP; SRV names the host and Kamailio's port; A its address.
        "--naptr-record=pbx.test,10,10,s,SIP+D2T,,_sip._tcp.pbx.test".into(),
        "--naptr-record=pbx.test,20,10,s,SIP+D2U,,_sip._udp.pbx.test".into(),
        format!("--srv-host=_sip._tcp.pbx.test,sip1.pbx.test,{},10,50", pbx.tcp_port),
        format!("--srv-host=_sip._udp.pbx.test,sip1.pbx.test,{},10,50", pbx.udp_port),
        "--host-record=sip1.pbx.test,127.0.0.1".into(),
    ]);
    let cfg = format!("[account]\nusername = \"1001\"\ndomain = \"pbx.test\"\n\n[sip]\ndns_servers = [\"127.0.0.1:{}\"]\n", dns.port);
    let mut phone = Ringside::start(&cfg, "pw1001", &["register"]);
    let ev = phone.expect_event("registered", 5 * SEC);
    let contact = ev["contact"].as_str().unwrap().to_string();
    assert!(contact.ends_with(";transport=tcp"), "NAPTR chose TCP: {contact}");
    assert_eq!(pbx.contacts("1001"), vec![contact]);
}

#[test]
fn rfc3581_behind_nat_the_contact_is_rewritten_to_the_public_address() {
    let pbx = Pbx::start(PbxOptions::default());
    let nat = ringside_testbed::nat::UdpNat::start(format!("127.0.0.1:{}", pbx.udp_port).parse().unwrap());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &format!("sip:127.0.0.1:{}", nat.inside_port), ""), "pw1001", &["register"]);
    let contact = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    let public = nat.public_ports();
    assert_eq!(public.len(), 1, "one phone, one mapping");
    assert_eq!(contact, format!("sip:1001@127.0.0.1:{}", public[0]), "Contact carries the address the PBX saw (rport)");
    assert_eq!(pbx.contacts("1001"), vec![contact], "the unreachable local contact was removed");
    let answer = options_through_pbx(&pbx, "1001").expect("answered");
    assert!(answer.starts_with("SIP/2.0 200"), "the PBX reaches the phone through the NAT: {answer}");
}

#[test]
fn rfc5626_udp_keepalives_hold_the_nat_mapping_open_between_refreshes() {
    let pbx = Pbx::start(PbxOptions::default());
    // A carrier's NAT that closes a mapping 3 s after the phone last sent through it; the
    // 600 s binding is not refreshed during the test, so only keep-alives can hold it open.
    let nat = ringside_testbed::nat::UdpNat::start_idle(format!("127.0.0.1:{}", pbx.udp_port).parse().unwrap(), Some(3 * SEC));
    let proxy = format!("sip:127.0.0.1:{}", nat.inside_port);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &proxy, "keepalive_secs = 1"), "pw1001", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    let public = nat.public_ports();
    // Six keep-alives, a second apart: twice the NAT's idle limit.
    let deadline = Instant::now() + 20 * SEC;
    while nat.keepalives() < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(nat.keepalives() >= 6, "keep-alives on UDP: {} seen", nat.keepalives());
    assert_eq!(nat.public_ports(), public, "the mapping stayed open");
    let answer = options_through_pbx(&pbx, "1001").expect("answered");
    assert!(answer.starts_with("SIP/2.0 200"), "the PBX still reaches the phone through the NAT: {answer}");
    assert!(phone.events.iter().all(|e| e["event"] != "registration_failed"), "{:?}", phone.events);
}

#[test]
fn behind_a_nat_a_network_change_registers_the_new_mapping_removes_the_old_and_keeps_it_open() {
    let pbx = Pbx::start(PbxOptions::default());
    // A carrier's NAT that closes a mapping 3 s after the phone last sent through it.
    let nat = ringside_testbed::nat::UdpNat::start_idle(format!("127.0.0.1:{}", pbx.udp_port).parse().unwrap(), Some(3 * SEC));
    let proxy = format!("sip:127.0.0.1:{}", nat.inside_port);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &proxy, "keepalive_secs = 1"), "pw1001", &["drive"]);
    let first = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    let old_ports = nat.public_ports();
    assert_eq!(old_ports.len(), 1, "{first}");
    phone.send(r#"{"cmd":"network_changed","local_ip":"127.0.0.2"}"#);
    // The phone now sends from 127.0.0.2: a new mapping, whose public port the registrar
    // must end up holding alone (the old public Contact, then the unreachable local one, removed).
    let deadline = Instant::now() + 10 * SEC;
    let moved = loop {
        let inside: Vec<_> = nat.phones().into_iter().filter(|p| p.ip() == std::net::IpAddr::from([127, 0, 0, 2])).collect();
        let wanted = inside.first().and_then(|p| nat.mapping_of(*p)).map(|port| format!("sip:1001@127.0.0.1:{port}"));
        if let Some(w) = wanted.filter(|w| pbx.contacts("1001") == vec![w.clone()]) {
            break w;
        }
        assert!(Instant::now() < deadline, "location: {:?}; NAT phones {:?}; events {:?}", pbx.contacts("1001"), nat.phones(), phone.events);
        std::thread::sleep(Duration::from_millis(50));
        phone.wait_event("registered", Duration::from_millis(50));
    };
    assert_ne!(moved, first);
    // Past the NAT's idle limit twice: the old mapping (nothing sends on it) closes, the new
    // one stays open by keep-alives alone.
    let keepalives = nat.keepalives();
    let deadline = Instant::now() + 20 * SEC;
    while (nat.keepalives() < keepalives + 7 || nat.phones().iter().any(|p| p.ip() == std::net::IpAddr::from([127, 0, 0, 1]))) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(nat.keepalives() >= keepalives + 7, "keep-alives after the move: {}", nat.keepalives() - keepalives);
    let phones = nat.phones();
    assert_eq!(phones.len(), 1, "the old mapping closed, the new one open: {phones:?}");
    assert_eq!(pbx.contacts("1001"), vec![moved.clone()]);
    let answer = options_through_pbx(&pbx, "1001").expect("answered");
    assert!(answer.starts_with("SIP/2.0 200"), "the PBX reaches the phone through the new mapping: {answer}");
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}

#[test]
fn without_resolv_conf_a_named_proxy_still_resolves_through_the_platform() {
    // Android has no /etc/resolv.conf. Run ringside in a private mount namespace whose /etc
    // holds only `hosts`; the proxy is given by name.
    let probe = std::process::Command::new("unshare").args(["-m", "true"]).status();
    if !probe.map(|s| s.success()).unwrap_or(false) {
        eprintln!("SKIPPED: no mount namespaces here (unshare -m failed)");
        return;
    }
    let pbx = Pbx::start(PbxOptions::default());
    let etc = tempfile::tempdir().unwrap();
    std::fs::copy("/etc/hosts", etc.path().join("hosts")).unwrap();
    let script = format!("mount --bind {} /etc && exec \"$0\" \"$@\"", etc.path().display());
    let launcher = ["unshare", "-m", "sh", "-c", script.as_str()];
    let cfg = config("1001", "pbx.test", &format!("sip:localhost:{}", pbx.udp_port), "");
    let mut phone = Ringside::start_via(&launcher, &cfg, "pw1001", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    assert!(phone.stderr().contains("no system DNS configuration"), "ran without resolv.conf: {}", phone.stderr_tail());
}
