//! The company directory's HTTP side: carries out `directory::carddav`'s plan against the
//! server (reqwest over rustls, the system roots plus `[sip] tls_ca_file`), then stores every
//! change and the new sync token in one transaction, so a server failing half-way leaves the
//! cache as it was.

use super::error::EngineError;
use super::events::{PhoneEvent, SyncSource};
use super::library_state::Shared;
use super::secrets::SecretKind;
use crate::directory::{carddav, vcard};
use crate::store::contacts::{self, ContactCard};
use crate::store::sync_state::{self, SyncReport};
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use std::time::Duration;

const STATE: &str = "directory";

/// A TLS client trusting the system roots and the configured extra CA.
pub(super) fn http_client(shared: &Shared) -> Result<reqwest::Client, EngineError> {
    let mut builder = reqwest::Client::builder().use_rustls_tls().connect_timeout(Duration::from_secs(10)).timeout(Duration::from_secs(120));
    if let Some(path) = &shared.config.tls_ca_file {
        let pem = std::fs::read(path).map_err(|e| EngineError::Config { field: "sip.tls_ca_file", reason: format!("{}: {e}", path.display()) })?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| EngineError::Config { field: "sip.tls_ca_file", reason: e.to_string() })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| EngineError::Network(e.to_string()))
}

struct Dav {
    client: reqwest::Client,
    url: reqwest::Url,
    username: String,
    password: String,
}

impl Dav {
    /// One WebDAV request; the status and body, or a network error (the password never in it).
    async fn request(&self, method: &str, url: &reqwest::Url, depth: &str, body: String) -> Result<(StatusCode, String), EngineError> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| EngineError::Sip(e.to_string()))?;
        let response = self
            .client
            .request(method, url.clone())
            .basic_auth(&self.username, Some(&self.password))
            .header("Depth", depth)
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| EngineError::Network(format!("{}: {}", url, e.without_url())))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(EngineError::Auth(format!("{url} answered {status}")));
        }
        let text = response.text().await.map_err(|e| EngineError::Network(format!("{url}: reading the answer: {}", e.without_url())))?;
        Ok((status, text))
    }

    async fn multistatus(&self, method: &str, depth: &str, body: String) -> Result<Result<carddav::Multistatus, (StatusCode, String)>, EngineError> {
        let (status, text) = self.request(method, &self.url, depth, body).await?;
        if status.as_u16() != 207 {
            return Ok(Err((status, text)));
        }
        carddav::parse_multistatus(&text).map(Ok).map_err(|e| EngineError::Network(format!("{}: {e}", self.url)))
    }
}

/// What the server said changed: the plan, the state to store with it, and whether the
/// listing was complete (anything not in it is gone).
struct Changes {
    plan: carddav::Plan,
    sync_token: Option<String>,
    ctag: Option<String>,
    complete: bool,
}

pub(super) async fn run(shared: &Arc<Shared>) -> Result<SyncReport, EngineError> {
    let config = shared.config.directory.clone().ok_or(EngineError::NotConfigured("[directory]"))?;
    let url = reqwest::Url::parse(&config.url).map_err(|e| EngineError::Config { field: "directory.url", reason: format!("{:?}: {e}", config.url) })?;
    let dav = Dav { client: http_client(shared)?, url, password: shared.password(SecretKind::Directory, &config.username)?, username: config.username };
    let (token, ctag) = shared.write(|db| Ok((sync_state::get(db, STATE, "sync-token")?, sync_state::get(db, STATE, "ctag")?))).await?;
    let held = shared.write(|db| contacts::directory_etags(db)).await?;
    let changes = match changes_by_sync(&dav, token.as_deref()).await? {
        Some(c) => c,
        None => match changes_by_etags(&dav, ctag.as_deref(), &held).await? {
            Some(c) => c,
            None => return Ok(SyncReport::default()),
        },
    };
    let total = changes.plan.fetch.len() as u32;
    shared.emit(PhoneEvent::SyncProgress { source: SyncSource::Directory, done: 0, total: Some(total) });
    let mut fetched: Vec<(String, Option<String>, Result<ContactCard, String>)> = Vec::new();
    for batch in changes.plan.fetch.chunks(carddav::MULTIGET_BATCH) {
        let ms = match dav.multistatus("REPORT", "1", carddav::multiget_body(batch)).await? {
            Ok(ms) => ms,
            Err((status, _)) => return Err(EngineError::Network(format!("{}: addressbook-multiget answered {status}", dav.url))),
        };
        for m in ms.members {
            let card = match (&m.address_data, m.status) {
                (Some(data), _) => one_card(data),
                (None, Some(404)) => continue,
                (None, _) => Err("no address-data".into()),
            };
            fetched.push((m.href, m.etag, card));
        }
        shared.emit(PhoneEvent::SyncProgress { source: SyncSource::Directory, done: fetched.len() as u32, total: Some(total) });
    }
    let region = shared.region;
    shared
        .write(move |db| {
            let fail = |source| crate::store::StoreError::Query { what: "storing the directory", source };
            let tx = db.transaction().map_err(fail)?;
            let mut report = SyncReport::default();
            let mut listed: std::collections::HashSet<String> = changes.plan.fetch.iter().cloned().collect();
            for (href, etag, card) in &fetched {
                listed.insert(href.clone());
                match card {
                    Ok(card) => {
                        if contacts::put_directory(&tx, href, etag.as_deref(), card, region)? {
                            report.updated += 1;
                        } else {
                            report.added += 1;
                        }
                    }
                    Err(why) => report.skipped.push(format!("{href}: {why}")),
                }
            }
            let mut gone = changes.plan.remove.clone();
            if changes.complete {
                gone.extend(held.keys().filter(|h| !listed.contains(*h)).cloned());
            }
            for href in gone {
                if contacts::remove_directory(&tx, &href)? {
                    report.removed += 1;
                }
            }
            sync_state::set(&tx, STATE, "sync-token", changes.sync_token.as_deref())?;
            sync_state::set(&tx, STATE, "ctag", changes.ctag.as_deref())?;
            tx.commit().map_err(fail)?;
            Ok(report)
        })
        .await
}

/// The one vCard of a resource.
fn one_card(data: &str) -> Result<ContactCard, String> {
    let mut cards = vcard::parse(data).into_iter();
    match cards.next() {
        Some(Ok(card)) => Ok(card),
        Some(Err(why)) => Err(why),
        None => Err("no vCard".into()),
    }
}

/// RFC 6578 sync-collection; `None` when the server has none (fall back to etags).
async fn changes_by_sync(dav: &Dav, token: Option<&str>) -> Result<Option<Changes>, EngineError> {
    let mut token = token.map(str::to_string);
    loop {
        match dav.multistatus("REPORT", "0", carddav::sync_collection_body(token.as_deref())).await? {
            Ok(ms) => {
                let plan = carddav::plan_from_sync(&ms, dav.url.path());
                return Ok(Some(Changes { plan, sync_token: ms.sync_token, ctag: None, complete: token.is_none() }));
            }
            Err((status, body)) if token.is_some() && carddav::token_rejected(status.as_u16(), &body) => {
                tracing::info!("the directory forgot our sync token: full sync");
                token = None;
            }
            Err((status, _)) if carddav::sync_unsupported(status.as_u16()) => return Ok(None),
            Err((status, _)) => return Err(EngineError::Network(format!("{}: sync-collection answered {status}", dav.url))),
        }
    }
}

/// The ctag, then every member's ETag; `None` when the ctag did not change.
async fn changes_by_etags(dav: &Dav, stored_ctag: Option<&str>, held: &std::collections::HashMap<String, String>) -> Result<Option<Changes>, EngineError> {
    let ctag = match dav.multistatus("PROPFIND", "0", carddav::PROPFIND_CTAG.into()).await? {
        Ok(ms) => ms.members.iter().find_map(|m| m.ctag.clone()),
        Err((status, _)) => return Err(EngineError::Network(format!("{}: PROPFIND answered {status}", dav.url))),
    };
    if ctag.is_some() && ctag.as_deref() == stored_ctag {
        return Ok(None);
    }
    let ms = match dav.multistatus("PROPFIND", "1", carddav::PROPFIND_ETAGS.into()).await? {
        Ok(ms) => ms,
        Err((status, _)) => return Err(EngineError::Network(format!("{}: PROPFIND answered {status}", dav.url))),
    };
    let plan = carddav::plan_from_etags(&ms, dav.url.path(), held);
    // The removals are in the plan already: the listing is compared, not trusted whole.
    Ok(Some(Changes { plan, sync_token: None, ctag, complete: false }))
}
