//! The closed sets the shells switch on, as enums (never strings), each converted from the
//! engine's own type in one place.

// The core's phone-state types, named apart from the mirrors exported here.
use ringside_core as state;
use ringside_core::vocab;

/// A codec we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Codec {
    Opus,
    Pcmu,
    Pcma,
}

impl From<Codec> for vocab::CodecKind {
    fn from(c: Codec) -> Self {
        match c {
            Codec::Opus => vocab::CodecKind::Opus,
            Codec::Pcmu => vocab::CodecKind::Pcmu,
            Codec::Pcma => vocab::CodecKind::Pcma,
        }
    }
}

impl From<vocab::CodecKind> for Codec {
    fn from(c: vocab::CodecKind) -> Self {
        match c {
            vocab::CodecKind::Opus => Codec::Opus,
            vocab::CodecKind::Pcmu => Codec::Pcmu,
            vocab::CodecKind::Pcma => Codec::Pcma,
        }
    }
}

impl Codec {
    /// From a quality report's codec name (`opus`, `PCMU`, `PCMA`).
    pub(crate) fn from_name(name: &str) -> Option<Codec> {
        [Codec::Opus, Codec::Pcmu, Codec::Pcma].into_iter().find(|c| vocab::CodecKind::from(*c).name().eq_ignore_ascii_case(name))
    }
}

/// Whether calls are encrypted (SDES-SRTP): `Optional` offers keys and accepts plain answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SrtpPolicy {
    Off,
    Optional,
    Mandatory,
}

impl From<SrtpPolicy> for vocab::SrtpPolicy {
    fn from(p: SrtpPolicy) -> Self {
        match p {
            SrtpPolicy::Off => vocab::SrtpPolicy::Off,
            SrtpPolicy::Optional => vocab::SrtpPolicy::Optional,
            SrtpPolicy::Mandatory => vocab::SrtpPolicy::Mandatory,
        }
    }
}

/// Who delivers our pushes (RFC 8599 `pn-provider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushProvider {
    Apns,
    Fcm,
}

impl PushProvider {
    pub(crate) fn pn_provider(self) -> &'static str {
        match self {
            PushProvider::Apns => "apns",
            PushProvider::Fcm => "fcm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CallDirection {
    Incoming,
    Outgoing,
}

impl From<state::CallDirection> for CallDirection {
    fn from(d: state::CallDirection) -> Self {
        match d {
            state::CallDirection::Incoming => CallDirection::Incoming,
            state::CallDirection::Outgoing => CallDirection::Outgoing,
        }
    }
}

/// Why a call ended (design §2). `AnsweredElsewhere` is never a missed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EndReason {
    LocalHangup,
    RemoteHangup,
    /// The desk phone (or another device) answered.
    AnsweredElsewhere,
    /// Declined on another device.
    DeclinedElsewhere,
    /// The caller gave up: a missed call.
    Cancelled,
    Busy,
    Declined,
    Unanswered,
    Failed,
}

impl From<vocab::EndReason> for EndReason {
    fn from(r: vocab::EndReason) -> Self {
        use vocab::EndReason as R;
        match r {
            R::LocalHangup => EndReason::LocalHangup,
            R::RemoteHangup => EndReason::RemoteHangup,
            R::AnsweredElsewhere => EndReason::AnsweredElsewhere,
            R::DeclinedElsewhere => EndReason::DeclinedElsewhere,
            R::Cancelled => EndReason::Cancelled,
            R::Busy => EndReason::Busy,
            R::Declined => EndReason::Declined,
            R::Unanswered => EndReason::Unanswered,
            R::Failed => EndReason::Failed,
        }
    }
}

/// A stage of a push-woken call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WakeStage {
    PushReceived,
    HintReturned,
    RegisterSent,
    Registered,
    Invite,
    Ringing,
    Answered,
    Ended,
}

impl From<ringside_core::WakeStage> for WakeStage {
    fn from(s: ringside_core::WakeStage) -> Self {
        use ringside_core::WakeStage as S;
        match s {
            S::PushReceived => WakeStage::PushReceived,
            S::HintReturned => WakeStage::HintReturned,
            S::RegisterSent => WakeStage::RegisterSent,
            S::Registered => WakeStage::Registered,
            S::Invite => WakeStage::Invite,
            S::Ringing => WakeStage::Ringing,
            S::Answered => WakeStage::Answered,
            S::Ended => WakeStage::Ended,
        }
    }
}

/// An SDP media direction (RFC 3264 §5.1): what hold looks like on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MediaDirection {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl From<vocab::MediaDirection> for MediaDirection {
    fn from(d: vocab::MediaDirection) -> Self {
        match d {
            vocab::MediaDirection::SendRecv => MediaDirection::SendRecv,
            vocab::MediaDirection::SendOnly => MediaDirection::SendOnly,
            vocab::MediaDirection::RecvOnly => MediaDirection::RecvOnly,
            vocab::MediaDirection::Inactive => MediaDirection::Inactive,
        }
    }
}

/// Where a contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ContactSource {
    /// The phone's address book, imported by the shell.
    Device,
    /// The company directory (CardDAV).
    Directory,
}

/// What a sync event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncSource {
    Directory,
    Voicemail,
}

impl From<ringside_core::SyncSource> for SyncSource {
    fn from(s: ringside_core::SyncSource) -> Self {
        match s {
            ringside_core::SyncSource::Directory => SyncSource::Directory,
            ringside_core::SyncSource::Voicemail => SyncSource::Voicemail,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<&tracing::Level> for LogLevel {
    fn from(l: &tracing::Level) -> Self {
        match *l {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        }
    }
}

/// Which password the core asks the shell's secret store for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SecretKind {
    /// A SIP account's (keyed `user@domain`).
    Sip,
    /// The company directory's (CardDAV).
    Directory,
    /// The voicemail mailbox's (IMAP).
    Voicemail,
}

/// One account's registration.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum RegistrationState {
    Unregistered,
    Registering,
    /// `push`: the registrar promised to push (RFC 8599 `Feature-Caps`); false means the phone
    /// must stay awake to ring.
    Registered {
        expires: u32,
        push: bool,
    },
    /// `retry_in_ms` is absent when the user must act (a wrong password).
    Failed {
        code: u16,
        reason: String,
        retry_in_ms: Option<u64>,
    },
}

impl From<state::RegistrationState> for RegistrationState {
    fn from(s: state::RegistrationState) -> Self {
        match s {
            state::RegistrationState::Unregistered => RegistrationState::Unregistered,
            state::RegistrationState::Registering => RegistrationState::Registering,
            state::RegistrationState::Registered { expires, push } => RegistrationState::Registered { expires, push },
            state::RegistrationState::Failed { code, reason, retry_in_ms } => RegistrationState::Failed { code, reason, retry_in_ms },
        }
    }
}

/// Where a live call stands.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum CallState {
    /// Ringing here, not answered.
    Incoming,
    /// Outgoing, no answer yet.
    Dialing,
    /// The far end rings (`early_media`: its ringback or announcement plays).
    RemoteRinging {
        early_media: bool,
    },
    Active,
    Held {
        by_remote: bool,
    },
    /// Shown once, then the call leaves the list.
    Ended {
        reason: EndReason,
        sip_code: Option<u16>,
    },
}

impl From<state::CallState> for CallState {
    fn from(s: state::CallState) -> Self {
        match s {
            state::CallState::Incoming => CallState::Incoming,
            state::CallState::Dialing => CallState::Dialing,
            state::CallState::RemoteRinging { early_media } => CallState::RemoteRinging { early_media },
            state::CallState::Active => CallState::Active,
            state::CallState::Held { by_remote } => CallState::Held { by_remote },
            state::CallState::Ended { reason, sip_code } => CallState::Ended { reason: reason.into(), sip_code },
        }
    }
}

/// What to do with a push, decided before `handle_push` returns.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HintAction {
    /// Report the call (CallKit / Telecom) and ring; the core wakes and waits for the INVITE.
    Ring,
    /// Already reported and ringing (a duplicate push): nothing new.
    AlreadyRinging,
    /// Report it, then end it at once with `reason` (iOS must still report every VoIP push).
    End { reason: EndReason, diagnostic: Option<String> },
}

impl From<ringside_core::HintAction> for HintAction {
    fn from(a: ringside_core::HintAction) -> Self {
        use ringside_core::HintAction as Core;
        match a {
            Core::Ring => HintAction::Ring,
            Core::AlreadyRinging => HintAction::AlreadyRinging,
            Core::End { reason, diagnostic } => HintAction::End { reason: reason.into(), diagnostic },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_end_reason_and_codec_crosses_over() {
        for r in vocab::EndReason::ALL {
            let _: EndReason = r.into();
        }
        for c in [Codec::Opus, Codec::Pcmu, Codec::Pcma] {
            assert_eq!(Codec::from(vocab::CodecKind::from(c)), c);
            assert_eq!(Codec::from_name(vocab::CodecKind::from(c).name()), Some(c));
        }
        assert_eq!(Codec::from_name("g729"), None);
    }
}
