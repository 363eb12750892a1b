use super::*;
use std::net::Ipv4Addr;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// baresip 1.0 with srtp (optional) and G.711, as it offers.
const BARESIP_OFFER: &str = "v=0\r\no=- 1234 5678 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 10000 RTP/AVP 0 8 101\r\nb=AS:64\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\na=label:1\r\na=ssrc:1 cname:x\r\na=rtcp-rsize\r\na=ptime:20\r\n\
a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n\
a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n";

/// A WebRTC-ish Opus offer with dynamic types as linphone sends them.
const OPUS_OFFER: &str = "v=0\r\no=linphone 1 2 IN IP4 127.0.0.1\r\ns=Talk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 7078 RTP/AVP 96 97 0 8 101 98\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=rtpmap:97 speex/16000\r\n\
a=rtpmap:101 telephone-event/48000\r\na=rtpmap:98 telephone-event/8000\r\na=rtcp:7079\r\n";

fn media(policy: MediaPolicy) -> LocalMedia {
    LocalMedia::new(LOCAL, 40000, policy)
}

#[test]
fn our_offer_parses_with_the_sdp_crate_and_carries_every_feature() {
    let mut m = media(MediaPolicy::default());
    let offer = m.offer(MediaDirection::SendRecv);
    let parsed = sdp::SessionDescription::unmarshal(&mut Cursor::new(offer.as_bytes())).unwrap();
    let audio = &parsed.media_descriptions[0];
    assert_eq!(audio.media_name.formats, vec!["111", "0", "8", "110", "101"]);
    assert_eq!(audio.media_name.protos, vec!["RTP", "AVP"], "optional SRTP offers RTP/AVP with keys");
    for needle in
        ["a=rtpmap:111 opus/48000/2", "useinbandfec=1", "stereo=0", "maxaveragebitrate=", "a=ptime:20", "a=rtcp-mux", "a=sendrecv", "telephone-event/8000"]
    {
        assert!(offer.contains(needle), "{needle} in {offer}");
    }
    assert_eq!(offer.matches("a=crypto:").count(), 3, "one key per suite: {offer}");
}

#[test]
fn every_new_sdp_bumps_the_origin_version_and_keeps_the_keys() {
    let mut m = media(MediaPolicy::default());
    let first = m.offer(MediaDirection::SendRecv);
    let hold = m.offer(MediaDirection::SendOnly);
    let version = |s: &str| s.lines().find(|l| l.starts_with("o=")).unwrap().split(' ').nth(2).unwrap().parse::<u64>().unwrap();
    assert_eq!(version(&hold), version(&first) + 1);
    assert!(hold.contains("a=sendonly"));
    let keys = |s: &str| s.lines().filter(|l| l.starts_with("a=crypto")).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(keys(&first), keys(&hold), "a re-offer for hold does not rekey");
}

#[test]
fn answering_baresip_picks_pcmu_its_dtmf_and_the_strongest_suite() {
    let mut m = media(MediaPolicy::default());
    let (answer, n) = m.answer(BARESIP_OFFER, false).unwrap();
    assert_eq!((n.codec, n.payload_type, n.dtmf_payload_type), (CodecKind::Pcmu, 0, Some(101)));
    assert_eq!(n.remote_rtp, "127.0.0.1:10000".parse().unwrap());
    assert_eq!(n.remote_rtcp, "127.0.0.1:10001".parse().unwrap(), "no rtcp-mux: RTP port + 1");
    let (ours, theirs) = n.srtp.clone().expect("SDES agreed");
    assert_eq!((ours.suite, theirs.suite), (CryptoSuite::AesCm128HmacSha1_80, CryptoSuite::AesCm128HmacSha1_80));
    assert!(answer.contains("a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:"), "{answer}");
    assert!(answer.contains("m=audio 40000 RTP/AVP 0 101\r\n"), "{answer}");
    assert!(!answer.contains("rtcp-mux"), "not offered, not answered");
    assert!(!format!("{:?}", n).contains(&base64::engine::general_purpose::STANDARD.encode(&ours.material)), "keys never in Debug");
}

#[test]
fn answering_an_opus_offer_keeps_the_offerers_payload_numbers() {
    let mut m = media(MediaPolicy { srtp: SrtpPolicy::Off, ..Default::default() });
    let (answer, n) = m.answer(OPUS_OFFER, false).unwrap();
    assert_eq!((n.codec, n.payload_type, n.dtmf_payload_type), (CodecKind::Opus, 96, Some(101)));
    assert_eq!(n.remote_rtcp, "127.0.0.1:7079".parse().unwrap(), "a=rtcp names the port");
    assert!(answer.contains("m=audio 40000 RTP/AVP 96 101\r\n") && answer.contains("a=rtpmap:96 opus/48000/2"), "{answer}");
    assert!(!answer.contains("crypto"));
}

#[test]
fn hold_offers_get_the_rfc3264_answer_and_old_style_hold_is_understood() {
    let mut m = media(MediaPolicy::default());
    let held = BARESIP_OFFER.replace("a=sendrecv", "a=sendonly");
    assert_eq!(m.answer(&held, false).unwrap().1.direction, MediaDirection::RecvOnly);
    let old = BARESIP_OFFER.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
    assert_eq!(offered_direction(&old), MediaDirection::SendOnly);
    // We hold while they re-offer sendrecv: our answer stays sendonly.
    assert_eq!(m.answer(BARESIP_OFFER, true).unwrap().1.direction, MediaDirection::SendOnly);
}

#[test]
fn srtp_policies_refuse_what_they_must() {
    let plain = BARESIP_OFFER.lines().filter(|l| !l.starts_with("a=crypto")).collect::<Vec<_>>().join("\r\n") + "\r\n";
    let mut mandatory = media(MediaPolicy { srtp: SrtpPolicy::Mandatory, ..Default::default() });
    assert_eq!(mandatory.answer(&plain, false).unwrap_err(), SdpError::SrtpRequired);
    let savp = BARESIP_OFFER.replace("RTP/AVP", "RTP/SAVP");
    let mut off = media(MediaPolicy { srtp: SrtpPolicy::Off, ..Default::default() });
    assert_eq!(off.answer(&savp, false).unwrap_err(), SdpError::SrtpRefused);
    let (answer, n) = media(MediaPolicy::default()).answer(&savp, false).unwrap();
    assert!(answer.contains("RTP/SAVP") && n.srtp.is_some(), "a SAVP offer gets a SAVP answer");
    let (_, n) = media(MediaPolicy::default()).answer(&plain, false).unwrap();
    assert!(n.srtp.is_none(), "optional: plain RTP with a peer without keys");
}

#[test]
fn no_common_codec_and_garbage_are_clear_errors() {
    let speex = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 97\r\na=rtpmap:97 speex/16000\r\n";
    assert!(matches!(media(MediaPolicy::default()).answer(speex, false), Err(SdpError::NoCommonCodec(_))));
    assert!(matches!(media(MediaPolicy::default()).answer("nonsense", false), Err(SdpError::Parse(_))));
    let video_only = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\n";
    assert_eq!(media(MediaPolicy::default()).answer(video_only, false).unwrap_err(), SdpError::NoAudio);
}

#[test]
fn the_answer_to_our_offer_yields_matching_keys_both_ways() {
    let mut caller = media(MediaPolicy::default());
    let mut callee = LocalMedia::new(LOCAL, 50000, MediaPolicy::default());
    let offer = caller.offer(MediaDirection::SendRecv);
    let (answer, at_callee) = callee.answer(&offer, false).unwrap();
    let at_caller = caller.answer_received(&answer).unwrap();
    assert_eq!((at_caller.codec, at_caller.payload_type), (CodecKind::Opus, 111));
    assert!(at_caller.rtcp_mux && at_callee.rtcp_mux);
    let (c_send, c_recv) = at_caller.srtp.unwrap();
    let (e_send, e_recv) = at_callee.srtp.unwrap();
    assert_eq!((c_send.clone(), c_recv.clone()), (e_recv, e_send), "each side decrypts with the other's sending key");
    assert_eq!(at_caller.dtmf_payload_type, Some(DTMF_PT_48K));
}

#[test]
fn every_format_an_answer_keeps_may_come_back_not_only_the_one_we_send() {
    // baresip answers a re-offer with its own order (PCMU first) and sends our first (Opus).
    let mut ours = media(MediaPolicy::default());
    let offer = ours.offer(MediaDirection::SendRecv);
    let answer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 111\r\n\
                  a=rtpmap:0 PCMU/8000\r\na=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n";
    assert!(offer.contains("a=rtpmap:111 opus/48000/2"), "{offer}");
    let agreed = ours.answer_received(answer).unwrap();
    assert_eq!((agreed.codec, agreed.payload_type), (CodecKind::Pcmu, 0), "we send the answer's first (RFC 3264 §7)");
    assert_eq!(agreed.receive, vec![(0, CodecKind::Pcmu), (111, CodecKind::Opus)]);
}

#[test]
fn a_reoffer_after_answering_pcmu_keeps_pcmu_first_so_hold_never_switches_codec() {
    // baresip calls offering PCMU first; we answer PCMU. Our hold re-offer must not put Opus
    // first: baresip would switch to it and, on its 1.0 release, send nothing afterwards.
    let mut m = media(MediaPolicy::default());
    let (_, n) = m.answer(BARESIP_OFFER, false).unwrap();
    assert_eq!(n.codec, CodecKind::Pcmu);
    let hold = m.offer(MediaDirection::SendOnly);
    assert!(hold.contains("m=audio 40000 RTP/AVP 0 111 8 110 101\r\n"), "{hold}");
}

#[test]
fn a_reoffer_keeps_the_agreed_opus_under_the_offerers_number() {
    let mut m = media(MediaPolicy { srtp: SrtpPolicy::Off, ..Default::default() });
    m.answer(OPUS_OFFER, false).unwrap();
    let hold = m.offer(MediaDirection::SendOnly);
    assert!(hold.contains("m=audio 40000 RTP/AVP 96 0 8 110 101\r\n") && hold.contains("a=rtpmap:96 opus/48000/2"), "{hold}");
    assert!(!hold.contains("a=rtpmap:111"), "Opus listed once: {hold}");
}

#[test]
fn a_reoffer_after_our_offer_keeps_what_we_send_first() {
    let mut ours = media(MediaPolicy::default());
    ours.offer(MediaDirection::SendRecv);
    let answer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 111\r\n\
                  a=rtpmap:0 PCMU/8000\r\na=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n";
    ours.answer_received(answer).unwrap();
    let hold = ours.offer(MediaDirection::SendOnly);
    assert!(hold.contains("RTP/AVP 0 111 8 110 101\r\n"), "{hold}");
}
