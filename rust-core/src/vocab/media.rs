//! The media words every layer shares: a stream's direction (SDP, the call machine, the media
//! pipeline), the codecs we speak and the SRTP policy (config, SDP, media, the shells).

/// An SDP media direction (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaDirection {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl MediaDirection {
    /// The answer to an offer with this direction (RFC 3264 §6.1).
    pub fn answer(self) -> MediaDirection {
        match self {
            MediaDirection::SendOnly => MediaDirection::RecvOnly,
            MediaDirection::RecvOnly => MediaDirection::SendOnly,
            other => other,
        }
    }

    /// Whether a far end offering this is putting us on hold.
    pub fn is_hold(self) -> bool {
        matches!(self, MediaDirection::SendOnly | MediaDirection::Inactive)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodecKind {
    Opus,
    Pcmu,
    Pcma,
}

impl CodecKind {
    /// Static payload types for G.711; ours for Opus (any dynamic value would do).
    pub fn payload_type(self) -> u8 {
        match self {
            CodecKind::Opus => 111,
            CodecKind::Pcmu => 0,
            CodecKind::Pcma => 8,
        }
    }

    /// RTP clock rate (RFC 7587: Opus is always 48000 on the wire).
    pub fn clock_rate(self) -> u32 {
        match self {
            CodecKind::Opus => 48000,
            CodecKind::Pcmu | CodecKind::Pcma => 8000,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CodecKind::Opus => "opus",
            CodecKind::Pcmu => "PCMU",
            CodecKind::Pcma => "PCMA",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SrtpPolicy {
    Off,
    #[default]
    Optional,
    Mandatory,
}
