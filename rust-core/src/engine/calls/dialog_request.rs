//! In-dialog requests we send on our own client transaction so that a digest challenge to
//! them (401/407) is answered by our RFC 7616 digest (`signalling::request_auth`).
//!
//! Why: rsipstack's dialog answers a challenge only with its own MD5 credential and, without
//! one, ends the dialog and drops the challenge, so a PBX that authenticates a BYE saw it
//! never answered. Here the request is built from the dialog's snapshot (Call-ID, tags, remote
//! target, route set, RFC 3261 §12.2.1.1), carries the credentials of every realm answered so
//! far in the call (RFC 7616 §3.4: the same nonce, the next nonce count), and a challenge
//! sends it again with a new CSeq (RFC 3261 §22.2). A 2xx to a target refresh moves the
//! dialog's remote target to its Contact. Input: the dialog, the method, headers and body.
//! Output: the final response, or why there is none.

use crate::engine::register_request::ResponseHeaders;
use crate::signalling::registration::ChallengeHeader;
use crate::signalling::request_auth::{AuthOutcome, RequestAuth};
use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::typed::{CSeq, Contact};
use rsipstack::sip::{Header, Method, Request, Response};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// RFC 3261 §17.1.1.2, §17.1.2.2: a client transaction gives up after 64·T1 (32 s); this
/// bound only guards against one that never reports, so it lies beyond.
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(40);

/// The sender of a call's in-dialog requests, shared by the requests in flight beside the
/// call's loop (a re-INVITE, a REFER) and the call's task.
#[derive(Clone)]
pub(super) struct DialogRequests {
    endpoint: EndpointInnerRef,
    dialog: InviteDialog,
    shared: Arc<Mutex<Shared>>,
}

struct Shared {
    auth: RequestAuth,
    /// The last CSeq we sent. Every request we originate in the dialog goes out here, so
    /// rsipstack's dialog, which does not see them, never sends a lower one after ours.
    cseq: u32,
    /// Our Contact after a move (rsipstack's dialog keeps the one it was made with).
    contact: Option<rsipstack::sip::Uri>,
}

impl DialogRequests {
    pub(super) fn new(endpoint: EndpointInnerRef, dialog: InviteDialog, auth: RequestAuth) -> Self {
        DialogRequests { endpoint, dialog, shared: Arc::new(Mutex::new(Shared { auth, cseq: 0, contact: None })) }
    }

    /// Our requests carry `contact` from now on (`None`: the dialog's own).
    pub(super) fn set_contact(&self, contact: Option<rsipstack::sip::Uri>) {
        self.lock().contact = contact;
    }

    /// Sends `method` in the dialog and answers its challenges: the final response, or why
    /// there is none. A 2xx to a re-INVITE is ACKed by rsipstack's INVITE client transaction.
    pub(super) async fn send(&self, method: Method, headers: Vec<Header>, body: Vec<u8>) -> Result<Response, String> {
        let snapshot = self.dialog.snapshot();
        let uri = snapshot.remote_uri.to_string();
        let name = method.to_string();
        let mut credentials = self.lock().auth.authorize(&name, &uri);
        loop {
            let (seq, contact) = {
                let mut shared = self.lock();
                // RFC 3261 §12.2.1.1: one higher than any CSeq of ours in the dialog.
                shared.cseq = shared.cseq.max(self.dialog.snapshot().local_cseq) + 1;
                (shared.cseq, shared.contact.clone())
            };
            let mut snapshot = snapshot.clone();
            if contact.is_some() {
                snapshot.local_contact = contact;
            }
            let request = build(&self.endpoint, &snapshot, method.clone(), seq, &headers, &credentials, &body)?;
            let resp = transact(&self.endpoint, request).await?;
            let code = u16::from(resp.status_code.clone());
            if (200..300).contains(&code) && matches!(method, Method::Invite | Method::Update) {
                refresh_remote_target(&self.dialog, &resp);
            }
            if !matches!(code, 401 | 407) {
                return Ok(resp);
            }
            tracing::info!(%method, code, "in-dialog request challenged; answering with our digest");
            let found = ResponseHeaders::of(&resp);
            let header = if code == 407 { "proxy-authenticate" } else { "www-authenticate" };
            let challenges: Vec<&str> = found.all(header).collect();
            let outcome = self.lock().auth.challenged(code, &challenges, &name, &uri);
            match outcome {
                AuthOutcome::Retry(next) => credentials = next,
                AuthOutcome::GiveUp { code, reason } => {
                    tracing::warn!(%method, code, %reason, "in-dialog request not authenticated");
                    return Ok(resp);
                }
            }
        }
    }

    /// A re-INVITE (hold, resume, session refresh), in a confirmed dialog only. RFC 3261
    /// §14.1: a 491 (both sides re-INVITEd at once) is retried after a random 2.1–4 s, up to
    /// `attempts` tries; the last 491 is the answer.
    pub(super) async fn reinvite(&self, headers: Vec<Header>, body: Vec<u8>, attempts: u32) -> Result<Response, String> {
        if !self.dialog.state().is_confirmed() {
            return Err("the dialog is not confirmed".into());
        }
        let mut tries = 1;
        loop {
            let resp = self.send(Method::Invite, headers.clone(), body.clone()).await?;
            if resp.status_code != rsipstack::sip::StatusCode::RequestPending || tries >= attempts {
                return Ok(resp);
            }
            tries += 1;
            let backoff = Duration::from_millis(rand::Rng::gen_range(&mut rand::thread_rng(), 2100..4000));
            tracing::info!(?backoff, "re-INVITE glare (491): trying again");
            tokio::time::sleep(backoff).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        // A panic elsewhere cannot leave the counter or the nonce counts half-written.
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The request as rsipstack's dialog would build it (RFC 3261 §12.2.1.1), with credentials.
fn build(
    endpoint: &EndpointInnerRef,
    snapshot: &rsipstack::dialog::dialog::DialogSnapshot,
    method: Method,
    seq: u32,
    extra: &[Header],
    credentials: &[(ChallengeHeader, String)],
    body: &[u8],
) -> Result<Request, String> {
    let via = endpoint.get_via(None, None).map_err(|e| e.to_string())?;
    let (from, to) = (snapshot.from.to_string(), snapshot.to.to_string());
    let (from, to) = match snapshot.role {
        TransactionRole::Client => (from, to),
        TransactionRole::Server => (to, from),
    };
    let mut headers = vec![
        Header::Via(via.into()),
        Header::CallId(snapshot.id.call_id.clone().into()),
        Header::From(from.into()),
        Header::To(to.into()),
        Header::CSeq(CSeq { seq, method: method.clone() }.into()),
        Header::MaxForwards(70.into()),
    ];
    if let Some(contact) = &snapshot.local_contact {
        headers.push(Contact::from(contact.clone()).into());
    }
    headers.extend(snapshot.route_set.iter().cloned().map(Header::Route));
    headers.extend(extra.iter().cloned());
    headers.extend(credentials.iter().map(|(header, value)| match header {
        ChallengeHeader::Www => Header::Authorization(value.clone().into()),
        ChallengeHeader::Proxy => Header::ProxyAuthorization(value.clone().into()),
    }));
    headers.push(Header::UserAgent(endpoint.user_agent.clone().into()));
    headers.push(Header::ContentLength((body.len() as u32).into()));
    Ok(Request { method, uri: snapshot.remote_uri.clone(), headers: headers.into(), body: body.to_vec(), version: rsipstack::sip::Version::V2 })
}

/// RFC 3261 §12.2.1.2 and §12.2.2: a target refresh (a re-INVITE or UPDATE, theirs as it
/// arrives, or the 2xx to ours) replaces the dialog's remote target with its Contact.
/// rsipstack's dialog takes the target only from the messages that made the dialog. A PBX that
/// hands the call to another node (a B2BUA moving it, a transfer completed on the PBX) says
/// where the call now is this way, and our next request (a BYE, say) must go there.
pub(super) fn refresh_remote_target(dialog: &InviteDialog, msg: &impl HeadersExt) {
    let Ok(contact) = msg.contact_header() else { return };
    let Some(uri) = msg.typed_contact_headers().ok().and_then(|c| c.into_iter().next()).map(|c| c.uri) else { return };
    if uri != dialog.snapshot().remote_uri {
        tracing::info!(target = %uri, "remote target refreshed");
        Dialog::Invite(dialog.clone()).set_remote_target(uri, Some(contact.clone()));
    }
}

/// One client transaction: its final response, bounded by the transaction's own timeout.
async fn transact(endpoint: &EndpointInnerRef, request: Request) -> Result<Response, String> {
    let key = TransactionKey::from_request(&request, TransactionRole::Client).map_err(|e| e.to_string())?;
    let mut tx = Transaction::new_client(key, request, endpoint.clone(), None);
    if let Some(route) = tx.original.route_header() {
        // RFC 3261 §16.12: a loose route set sends to its first hop.
        if let Ok(first) = route.typed() {
            tx.destination = rsipstack::transport::SipAddr::try_from(&first.uri).ok();
        }
    }
    crate::engine::sip_stack::final_response(&mut tx, TRANSACTION_TIMEOUT).await
}
