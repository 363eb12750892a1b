//! A network change under a live call, against real peers: ringside registered over UDP on
//! 127.0.0.1 talks to a baresip desk (Opus, SRTP) through Kamailio; the network "moves" it to
//! 127.0.0.2 (a second loopback address). The SIP socket must move (the old one closed), the
//! registrar must hold only the new Contact, a new call must reach the new address, and the
//! live call must be re-INVITEd onto the new address with its audio going on both ways.

use ringside_core::audio::tone;
use ringside_testbed::baresip::{DeskMedia, DeskPhone};
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sockets::udp_bound_by;
use ringside_testbed::wav::{read, write_tone};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);

/// The UDP port of a `sip:user@host:port;…` contact.
fn contact_addr(contact: &str) -> SocketAddr {
    let host_port = contact.split('@').nth(1).unwrap().split(';').next().unwrap();
    host_port.parse().unwrap_or_else(|e| panic!("{contact}: {e}"))
}

/// Waits (bounded) until every UDP socket of `pid` is off `ip`.
fn wait_unbound(pid: u32, ip: IpAddr, limit: Duration) -> Vec<SocketAddr> {
    let deadline = Instant::now() + limit;
    loop {
        let on_ip: Vec<SocketAddr> = udp_bound_by(pid).into_iter().filter(|a| a.ip() == ip).collect();
        if on_ip.is_empty() || Instant::now() > deadline {
            return on_ip;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_network_change_moves_the_socket_the_binding_and_the_live_call_to_the_new_address() {
    let pbx = Pbx::start(PbxOptions::default());
    let desk = DeskPhone::start_media(
        "1002",
        "pw1002",
        "pbx.test",
        pbx.udp_port,
        DeskMedia { auto_answer: true, codec: Some("opus/48000/2"), mediaenc: Some("srtp"), ..DeskMedia::default() },
    );
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let third = DeskPhone::start("1003", "pw1003", "pbx.test", pbx.udp_port);
    assert!(third.wait_registered(5 * SEC), "{}", third.log());
    let dir = tempfile::tempdir().unwrap();
    let (play, record) = (dir.path().join("says.wav"), dir.path().join("heard.wav"));
    write_tone(&play, 1000.0, 30, 48000, 0.0);
    let args = ["drive", "--play", play.to_str().unwrap(), "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &args);
    let old_contact = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    let old = contact_addr(&old_contact);
    assert_eq!(old.ip(), IpAddr::from([127, 0, 0, 1]), "{old_contact}");
    phone.send(r#"{"cmd":"call","target":"1002"}"#);
    let call = phone.expect_event("calling", 2 * SEC)["call"].as_str().unwrap().to_string();
    phone.expect_event("answered", 5 * SEC);
    std::thread::sleep(Duration::from_millis(1500));

    // The shell's network monitor reports the new address.
    phone.send(r#"{"cmd":"network_changed","local_ip":"127.0.0.2"}"#);
    let new_contact = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    let new = contact_addr(&new_contact);
    assert_eq!(new.ip(), IpAddr::from([127, 0, 0, 2]), "registered from the new address: {new_contact}");
    assert_eq!(pbx.contacts("1001"), vec![new_contact.clone()], "Kamailio's location holds only the new Contact");

    // Nothing of ours is left on the old address: the SIP socket, and (once the re-INVITE
    // moved it) the call's RTP and RTCP sockets.
    let left = wait_unbound(phone.pid(), old.ip(), 5 * SEC);
    assert!(left.is_empty(), "sockets still on {}: {left:?}\n{}", old.ip(), phone.stderr_tail());
    std::net::UdpSocket::bind(old).expect("the old SIP port is free");

    // A third party's call reaches the phone at its new address.
    third.command("dial 1001").unwrap();
    let incoming = phone.expect_event("incoming", 5 * SEC);
    assert_ne!(incoming["call"], call.as_str(), "a new call");
    let second = incoming["call"].as_str().unwrap().to_string();
    phone.send(&format!(r#"{{"cmd":"decline","call":"{second}"}}"#));
    phone.expect_event("call_ended", 5 * SEC);

    // The live call goes on at the new address: talk a while, then hang up.
    std::thread::sleep(Duration::from_millis(3000));
    let before_hangup = phone.events.len();
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    let stats = phone.expect_event_since("media_stats", before_hangup, 5 * SEC);
    let ended = phone.expect_event_since("call_ended", before_hangup, 5 * SEC);
    assert_eq!(ended["call"], call.as_str(), "{ended}");
    assert_eq!(ended["reason"], "local_hangup", "the moved call was not lost: {ended}");
    assert_eq!(stats["srtp"], true, "SRTP went on after the move: {stats}");
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));

    // What ringside heard in its last 2 s, all after the move: the desk's 440 Hz.
    let (heard, rate) = read(&record);
    let r = rate as usize;
    assert!(heard.len() > 4 * r, "{} samples", heard.len());
    let tail = &heard[heard.len() - 2 * r..heard.len() - r / 4];
    let (f, level) = tone::dominant(tail, rate);
    assert!((f - 440.0).abs() <= 10.0 && level > 0.02, "after the move ringside hears {f} Hz at {level}; {stats}\n{}", phone.stderr_tail());
    // And the desk heard our 1 kHz over the same stretch (baresip writes as the call ends).
    let deadline = Instant::now() + 5 * SEC;
    let (desk_heard, desk_rate) = loop {
        let (pcm, rate) = desk.heard();
        if pcm.len() > 4 * rate as usize || Instant::now() > deadline {
            break (pcm, rate);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dr = desk_rate.max(1) as usize;
    assert!(desk_heard.len() > 4 * dr, "the desk recorded {} samples at {desk_rate}", desk_heard.len());
    let (f, level) = tone::dominant(&desk_heard[desk_heard.len() - 2 * dr..desk_heard.len() - dr / 4], desk_rate);
    assert!((f - 1000.0).abs() <= 10.0 && level > 0.02, "after the move the desk hears {f} Hz at {level}\n{}", desk.log());
}

#[test]
fn an_answered_incoming_call_moves_too_and_the_far_ends_bye_finds_the_new_address() {
    let pbx = Pbx::start(PbxOptions::default());
    let desk = DeskPhone::start_media("1002", "pw1002", "pbx.test", pbx.udp_port, DeskMedia { mediaenc: Some("srtp"), ..DeskMedia::default() });
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let dir = tempfile::tempdir().unwrap();
    let (play, record) = (dir.path().join("says.wav"), dir.path().join("heard.wav"));
    write_tone(&play, 1000.0, 30, 48000, 0.0);
    let args = ["drive", "--play", play.to_str().unwrap(), "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &args);
    let old = contact_addr(phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap());
    desk.command("dial 1001").unwrap();
    let call = phone.expect_event("incoming", 5 * SEC)["call"].as_str().unwrap().to_string();
    phone.send(&format!(r#"{{"cmd":"answer","call":"{call}"}}"#));
    phone.expect_event("answered", 5 * SEC);
    std::thread::sleep(Duration::from_millis(1500));

    phone.send(r#"{"cmd":"network_changed","local_ip":"127.0.0.2"}"#);
    let new_contact = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    assert_eq!(contact_addr(&new_contact).ip(), IpAddr::from([127, 0, 0, 2]), "{new_contact}");
    let left = wait_unbound(phone.pid(), old.ip(), 5 * SEC);
    assert!(left.is_empty(), "sockets still on {}: {left:?}\n{}", old.ip(), phone.stderr_tail());
    std::thread::sleep(Duration::from_millis(3000));

    // The desk hangs up: its BYE goes to the Contact our re-INVITE gave it (the old one is
    // closed), so the call ends as the far end's hang-up, not by a timeout.
    let before_bye = phone.events.len();
    desk.command("hangup").unwrap();
    let ended = phone.expect_event_since("call_ended", before_bye, 5 * SEC);
    assert_eq!(ended["reason"], "remote_hangup", "{ended}");
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    let (heard, rate) = read(&record);
    let r = rate as usize;
    assert!(heard.len() > 4 * r, "{} samples", heard.len());
    let (f, level) = tone::dominant(&heard[heard.len() - 2 * r..heard.len() - r / 4], rate);
    assert!((f - 440.0).abs() <= 10.0 && level > 0.02, "after the move ringside hears {f} Hz at {level}\n{}", phone.stderr_tail());
}
