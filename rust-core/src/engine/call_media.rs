//! One call's side of offer/answer and its media session: the RTP port held from the first
//! SDP, our SDP for every offer and answer, and the session started (or updated) once an
//! answer is agreed. The call task owns one of these.

use super::media_session::{MediaCommand, MediaReport, MediaSession, MediaStats};
use crate::audio::AudioDeviceFactory;
use crate::media::codec::OpusSettings;
use crate::signalling::call::MediaDirection;
use crate::sip::sdp::{LocalMedia, MediaPolicy, Negotiated, SdpError};
use std::net::{IpAddr, UdpSocket};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What every call's media is made with (the phone's settings and the shell's audio).
#[derive(Clone)]
pub struct MediaSetup {
    pub ip: IpAddr,
    pub policy: MediaPolicy,
    pub opus: OpusSettings,
    pub devices: Arc<dyn AudioDeviceFactory>,
}

pub struct CallMedia {
    call: String,
    setup: MediaSetup,
    local: LocalMedia,
    /// The port, until the session takes it.
    socket: Option<UdpSocket>,
    session: Option<MediaSession>,
    negotiated: Option<Negotiated>,
    /// Our answer to the INVITE's offer, sent with the 200.
    initial_answer: Option<String>,
    reports: mpsc::UnboundedSender<MediaReport>,
}

impl CallMedia {
    /// Holds an RTP port for `call`; reports (RFC 4733 digits, stats) go to `reports`.
    pub fn bind(call: &str, setup: MediaSetup, reports: mpsc::UnboundedSender<MediaReport>) -> std::io::Result<CallMedia> {
        let socket = UdpSocket::bind((setup.ip, 0))?;
        let local = LocalMedia::new(setup.ip, socket.local_addr()?.port(), setup.policy.clone());
        Ok(CallMedia { call: call.to_string(), setup, local, socket: Some(socket), session: None, negotiated: None, initial_answer: None, reports })
    }

    /// A new offer from us (the INVITE, a hold or resume, a session refresh).
    pub fn offer(&mut self, direction: MediaDirection) -> String {
        self.local.offer(direction)
    }

    /// Reads the offer of an incoming INVITE and prepares our answer; an error is a 488.
    /// An INVITE without an offer is answered with ours (the ACK brings the answer).
    pub fn take_offer(&mut self, offer: &str) -> Result<(), SdpError> {
        if offer.trim().is_empty() {
            let ours = self.local.offer(MediaDirection::SendRecv);
            self.initial_answer = Some(ours);
            return Ok(());
        }
        let (answer, negotiated) = self.local.answer(offer, false)?;
        self.initial_answer = Some(answer);
        self.negotiated = Some(negotiated);
        Ok(())
    }

    /// The SDP our 200 to the INVITE carries.
    pub fn initial_answer(&mut self) -> String {
        match self.initial_answer.clone() {
            Some(a) => a,
            None => self.local.offer(MediaDirection::SendRecv),
        }
    }

    /// Starts the media for an incoming call we answered (with the offer's agreement).
    pub async fn start_agreed(&mut self) {
        if let Some(n) = self.negotiated.clone() {
            self.apply(n).await;
        }
    }

    /// The far end's answer to our offer (a 2xx, or the ACK of an offerless INVITE).
    pub async fn answered(&mut self, answer: &str) -> Result<(), SdpError> {
        if answer.trim().is_empty() {
            return Ok(());
        }
        let n = self.local.answer_received(answer)?;
        self.apply(n).await;
        Ok(())
    }

    /// Answers a re-offer (hold, resume, a new address); `hold_locally` keeps our own hold.
    pub async fn answer_reoffer(&mut self, offer: &str, hold_locally: bool) -> Result<String, SdpError> {
        let (answer, n) = self.local.answer(offer, hold_locally)?;
        self.apply(n).await;
        Ok(answer)
    }

    /// Our address moved to `ip`: a new RTP port there, which the next SDP of ours carries
    /// (c=/m=) and the running session sends and receives on from now on. SRTP keys stay: the
    /// stream goes on (same SSRC, the sequence continuing), so no keystream is used twice.
    pub async fn rebind(&mut self, ip: IpAddr) -> std::io::Result<()> {
        if ip == self.local.ip {
            return Ok(());
        }
        let socket = UdpSocket::bind((ip, 0))?;
        let port = socket.local_addr()?.port();
        match &self.session {
            Some(session) => session.command(MediaCommand::Rebind(socket)).await,
            None => self.socket = Some(socket),
        }
        (self.local.ip, self.local.port) = (ip, port);
        self.setup.ip = ip;
        Ok(())
    }

    pub fn has_rfc4733(&self) -> bool {
        self.negotiated.as_ref().is_some_and(|n| n.dtmf_payload_type.is_some()) && self.session.is_some()
    }

    pub async fn dtmf(&self, digit: char) {
        if let Some(s) = &self.session {
            s.command(MediaCommand::Dtmf(digit)).await;
        }
    }

    pub async fn mute(&self, on: bool) {
        if let Some(s) = &self.session {
            s.command(MediaCommand::Mute(on)).await;
        }
    }

    /// Ends the media; its last statistics.
    pub async fn stop(&mut self) -> Option<MediaStats> {
        self.socket = None;
        self.session.take()?.stop().await
    }

    async fn apply(&mut self, n: Negotiated) {
        self.negotiated = Some(n.clone());
        if let Some(session) = &self.session {
            session.command(MediaCommand::Update(n)).await;
            return;
        }
        let Some(socket) = self.socket.take() else { return };
        let device = self.setup.devices.open(&self.call);
        match MediaSession::start(socket, n, device, self.setup.opus, self.reports.clone()) {
            Ok(s) => self.session = Some(s),
            Err(e) => tracing::warn!(error = %e, "media did not start"),
        }
    }
}
