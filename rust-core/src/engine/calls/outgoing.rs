//! Placing a call: the INVITE from an account's registered route, then the call's task.

use super::call_task::CallIo;
use super::invite_auth::InviteAuth;
use super::CallHub;
use crate::engine::call_media::CallMedia;
use crate::engine::error::EngineError;
use crate::engine::events::PhoneEvent;
use crate::signalling::call::CallMachine;
use crate::vocab::call_uuid;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{Header, Uri};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

impl CallHub {
    /// Places a call from account `index` to `target` (an extension or a SIP URI).
    pub fn place_call(self: &Arc<Self>, index: usize, target: &str) -> Result<String, EngineError> {
        self.place_call_with(index, target, Vec::new())
    }

    /// Places a call with extra headers (`Replaces`, `Referred-By` for a transfer).
    pub(super) fn place_call_with(self: &Arc<Self>, index: usize, target: &str, extra: Vec<Header>) -> Result<String, EngineError> {
        let account = self.accounts.get(index).ok_or(EngineError::Config { field: "account", reason: format!("no account #{index}") })?;
        let route = account.route.lock().map(|r| r.clone()).unwrap_or_default();
        let (Some(destination), Some(contact)) = (route.destination, route.contact) else {
            return Err(EngineError::NotRegistered { account: account.key.clone() });
        };
        let callee = if target.contains(':') { target.to_string() } else { format!("sip:{target}@{}", account.domain) };
        let callee = Uri::try_from(callee.as_str()).map_err(|e| EngineError::InvalidTarget(format!("{target:?}: {e}")))?;
        let call_id = format!("{}@ringside", uuid::Uuid::new_v4());
        let uuid = call_uuid(&account.key, &call_id);
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let mut media = CallMedia::bind(&uuid, self.media_setup(), reports_tx).map_err(|e| EngineError::Transport(format!("RTP port: {e}")))?;
        let offer = media.offer(crate::signalling::call::MediaDirection::SendRecv);
        let caller = Uri::try_from(format!("sip:{}@{}", account.username, account.domain).as_str())
            .map_err(|e| EngineError::Config { field: "account", reason: e.to_string() })?;
        let option = InviteOption {
            caller_display_name: account.display_name.clone(),
            caller,
            callee,
            destination: Some(destination),
            content_type: Some("application/sdp".into()),
            offer: Some(offer.into_bytes()),
            contact: Uri::try_from(contact.as_str()).map_err(|e| EngineError::Sip(e.to_string()))?,
            // Challenges are answered by our digest (invite_auth), not rsipstack's MD5-only one.
            credential: None,
            call_id: Some(call_id.clone()),
            // RFC 4028: we refresh sessions when the far end asks for a timer.
            headers: Some([vec![Header::Supported("timer, replaces".into())], extra].concat()),
            ..Default::default()
        };
        let commands = self.calls.insert(&uuid, index, false, &option.callee.to_string()).ok_or_else(|| EngineError::Sip("duplicate call".into()))?;
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let invite_auth = InviteAuth::new(option.clone(), self.creds(index), state_tx.clone());
        let (dialog, outcome) = match self.dialogs.do_invite_async(option, state_tx) {
            Ok(pair) => pair,
            Err(e) => {
                self.calls.forget(&uuid);
                return Err(e.into());
            }
        };
        self.attach(&uuid, &dialog);
        self.listener.on_event(PhoneEvent::Calling { call: uuid.clone(), target: target.to_string(), account: account.key.clone(), call_id: call_id.clone() });
        let span = tracing::info_span!("call", %call_id, direction = "out");
        let mut io = CallIo::new(uuid.clone(), call_id, index, dialog, media, Vec::new(), None);
        io.invite_auth = Some(invite_auth);
        tokio::spawn(self.clone().run_call(io, states, commands, CallMachine::outgoing(Instant::now().into_std()), Some(outcome), reports).instrument(span));
        Ok(uuid)
    }
}
