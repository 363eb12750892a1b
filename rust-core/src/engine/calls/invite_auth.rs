//! Outgoing INVITEs authenticated through our digest (`signalling::request_auth`), not
//! rsipstack's MD5-only one.
//!
//! rsipstack's INVITE client gets no credential, so a 401/407 comes back to the call as the
//! INVITE's final answer. Here the same INVITE (Call-ID, offer, headers; a new CSeq) goes out
//! again with the credentials our digest computed, on a new client transaction and dialog
//! that report to the call's same state channel; the call's task swaps them in, and the call
//! machine never sees the challenge. Input: the challenge response. Output: the new dialog
//! and its outcome, or the SIP code and reason the call ends with.

use crate::engine::register_request::ResponseHeaders;
use crate::signalling::registration::ChallengeHeader;
use crate::signalling::request_auth::{AuthOutcome, RequestAuth};
use crate::sip::digest::DigestCredentials;
use rsipstack::dialog::dialog::DialogStateSender;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Response};
use std::sync::Arc;

/// An INVITE's final answer, as rsipstack's background INVITE reports it.
pub type InviteOutcome = rsipstack::platform::JoinHandle<InviteAsyncResult>;

/// One outgoing INVITE and the challenges it met.
pub struct InviteAuth {
    option: InviteOption,
    auth: RequestAuth,
    states: DialogStateSender,
}

impl InviteAuth {
    /// `option` is the INVITE as first sent (without credentials); `states` the call's dialog
    /// state channel, which every resent INVITE's dialog reports to as well.
    pub fn new(option: InviteOption, creds: DigestCredentials, states: DialogStateSender) -> Self {
        InviteAuth { option, auth: RequestAuth::new(creds), states }
    }

    /// The challenges answered so far: the dialog's later requests carry them up front.
    pub fn into_auth(self) -> RequestAuth {
        self.auth
    }

    /// Whether a final answer is a challenge (401, 407).
    pub fn is_challenge(resp: &Response) -> bool {
        matches!(u16::from(resp.status_code.clone()), 401 | 407)
    }

    /// A challenge to our INVITE: resend it with credentials, or say why the call ends.
    pub fn retry(&mut self, dialogs: &Arc<DialogLayer>, resp: &Response) -> Result<(InviteDialog, InviteOutcome), (u16, String)> {
        let code = u16::from(resp.status_code.clone());
        let headers = ResponseHeaders::of(resp);
        let name = if code == 407 { "proxy-authenticate" } else { "www-authenticate" };
        let challenges: Vec<&str> = headers.all(name).collect();
        let uri = self.option.callee.to_string();
        let credentials = match self.auth.challenged(code, &challenges, "INVITE", &uri) {
            AuthOutcome::Retry(credentials) => credentials,
            AuthOutcome::GiveUp { code, reason } => return Err((code, reason)),
        };
        let mut option = self.option.clone();
        let mut extra = option.headers.take().unwrap_or_default();
        extra.extend(credentials.into_iter().map(|(header, value)| match header {
            ChallengeHeader::Www => Header::Authorization(value.into()),
            ChallengeHeader::Proxy => Header::ProxyAuthorization(value.into()),
        }));
        option.headers = Some(extra);
        dialogs.do_invite_async(option, self.states.clone()).map_err(|e| (code, format!("resending the INVITE with credentials: {e}")))
    }
}
