//! CardDAV (RFC 6352) directory sync, sans-IO: the request bodies, the multistatus parser, and
//! the decision of what to fetch and remove. Input: the server's answers and what the cache
//! holds (sync-token, ctag, each resource's ETag); output: the next request and the changes.
//!
//! The order of preference:
//! 1. `sync-collection` (RFC 6578) from the stored token: only what changed since, removals
//!    as 404 members. A token the server no longer knows (403/409 `valid-sync-token`) means
//!    a full sync from an empty token.
//! 2. A server without it: the collection's `getctag` (unchanged ctag = nothing to do), then
//!    every member's `getetag` compared with the cache's.
//!
//! Changed members are then fetched with `addressbook-multiget` (RFC 6352 §8.7), in batches.

use std::collections::HashMap;

/// How many resources one `addressbook-multiget` asks for.
pub const MULTIGET_BATCH: usize = 200;

/// RFC 6578 §3.2: a sync-collection REPORT from `token` (none: every member).
pub fn sync_collection_body(token: Option<&str>) -> String {
    let token = token.map(xml_escape).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
}

/// PROPFIND (Depth 0) for the collection's ctag and sync-token.
pub const PROPFIND_CTAG: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:propfind xmlns:d=\"DAV:\" xmlns:cs=\"http://calendarserver.org/ns/\"><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>";

/// PROPFIND (Depth 1) for every member's ETag.
pub const PROPFIND_ETAGS: &str =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>";

/// RFC 6352 §8.7: the vCards (and ETags) of `hrefs`.
pub fn multiget_body(hrefs: &[String]) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<c:addressbook-multiget xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:carddav\"><d:prop><d:getetag/><c:address-data/></d:prop>",
    );
    for href in hrefs {
        body.push_str("<d:href>");
        body.push_str(&xml_escape(href));
        body.push_str("</d:href>");
    }
    body.push_str("</c:addressbook-multiget>");
    body
}

fn xml_escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// One `<response>` of a multistatus.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    pub href: String,
    /// The response's (or its propstat's) HTTP status; 404 in a sync-collection = removed.
    pub status: Option<u16>,
    pub etag: Option<String>,
    pub address_data: Option<String>,
    pub ctag: Option<String>,
    /// The member is a collection (the address book itself in a Depth 1 listing).
    pub collection: bool,
    pub sync_token: Option<String>,
}

/// A parsed `207 Multi-Status` body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Multistatus {
    pub members: Vec<Member>,
    /// RFC 6578: the token to send next time.
    pub sync_token: Option<String>,
}

/// Parses a multistatus body; element names are matched by local name (any prefix).
pub fn parse_multistatus(xml: &str) -> Result<Multistatus, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Multistatus::default();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut member: Option<Member> = None;
    let mut propstat_status: Option<u16> = None;
    loop {
        match reader.read_event().map_err(|e| format!("bad XML at byte {}: {e}", reader.buffer_position()))? {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if name == "response" {
                    member = Some(Member::default());
                }
                if name == "propstat" {
                    propstat_status = None;
                }
                if name == "collection" {
                    if let Some(m) = member.as_mut() {
                        m.collection = true;
                    }
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                if e.local_name().as_ref() == "collection" {
                    if let Some(m) = member.as_mut() {
                        m.collection = true;
                    }
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
                    text.push_str(s);
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let value = std::mem::take(&mut text);
                let parent = path.last().map(String::as_str).unwrap_or("");
                match (name.as_str(), member.as_mut()) {
                    ("href", Some(m)) if parent == "response" => m.href = value.trim().to_string(),
                    ("status", Some(m)) => {
                        let code = status_code(&value);
                        if parent == "propstat" {
                            propstat_status = code;
                        } else {
                            m.status = code;
                        }
                    }
                    ("getetag", Some(m)) => m.etag = Some(value.trim().to_string()).filter(|s| !s.is_empty()),
                    ("address-data", Some(m)) => m.address_data = Some(value),
                    ("getctag", Some(m)) => m.ctag = Some(value.trim().to_string()).filter(|s| !s.is_empty()),
                    ("sync-token", Some(m)) => m.sync_token = Some(value.trim().to_string()).filter(|s| !s.is_empty()),
                    ("sync-token", None) => out.sync_token = Some(value.trim().to_string()).filter(|s| !s.is_empty()),
                    ("propstat", Some(m)) => {
                        // A property the server lacks comes in a 404 propstat: it never marks
                        // the member removed. Only a 2xx propstat gives the member a status.
                        if m.status.is_none() && propstat_status.is_some_and(|s| (200..300).contains(&s)) {
                            m.status = propstat_status;
                        }
                    }
                    ("response", Some(_)) => out.members.extend(member.take()),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(format!("the XML ends inside <{}>", path.join("><")));
    }
    Ok(out)
}

/// `HTTP/1.1 404 Not Found` → 404.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1).and_then(|c| c.parse().ok())
}

/// What a sync must do to the cache.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Resources to fetch (new or changed).
    pub fetch: Vec<String>,
    /// Resources gone from the server.
    pub remove: Vec<String>,
}

/// A sync-collection answer: changed members to fetch, 404 members to remove.
pub fn plan_from_sync(ms: &Multistatus, collection_href: &str) -> Plan {
    let mut plan = Plan::default();
    for m in ms.members.iter().filter(|m| !m.collection && !same_path(&m.href, collection_href)) {
        match m.status {
            Some(404) => plan.remove.push(m.href.clone()),
            _ => plan.fetch.push(m.href.clone()),
        }
    }
    plan
}

/// An ETag listing compared with the cache (`held`: href → ETag): fetch what is new or
/// changed, remove what the server no longer lists.
pub fn plan_from_etags(ms: &Multistatus, collection_href: &str, held: &HashMap<String, String>) -> Plan {
    let mut plan = Plan::default();
    let mut listed = std::collections::HashSet::new();
    for m in ms.members.iter().filter(|m| !m.collection && !same_path(&m.href, collection_href)) {
        listed.insert(m.href.as_str());
        if held.get(&m.href) != m.etag.as_ref() || m.etag.is_none() {
            plan.fetch.push(m.href.clone());
        }
    }
    let mut gone: Vec<String> = held.keys().filter(|h| !listed.contains(h.as_str())).cloned().collect();
    gone.sort();
    plan.remove = gone;
    plan
}

/// `/ab/` and `/ab` (and a full URL's path) are the same collection.
fn same_path(href: &str, collection: &str) -> bool {
    let path = |s: &str| {
        let s = s.split_once("://").map(|(_, rest)| rest.find('/').map(|i| &rest[i..]).unwrap_or("/")).unwrap_or(s);
        s.trim_end_matches('/').to_string()
    };
    path(href) == path(collection)
}

/// Whether a REPORT's failure means the stored token is stale (RFC 6578 §3.2: 403 or 409
/// with a `valid-sync-token` precondition), so a full sync must follow.
pub fn token_rejected(status: u16, body: &str) -> bool {
    matches!(status, 403 | 409 | 412) && body.contains("valid-sync-token")
}

/// Whether a REPORT's failure means the server has no sync-collection at all.
pub fn sync_unsupported(status: u16) -> bool {
    matches!(status, 400 | 403 | 404 | 405 | 409 | 412 | 415 | 422 | 501)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNC: &str = r#"<?xml version="1.0"?>
<multistatus xmlns="DAV:">
  <response><href>/u/ab/</href><propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response>
  <response><href>/u/ab/a.vcf</href><propstat><prop><getetag>"e1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
  <response><href>/u/ab/gone.vcf</href><status>HTTP/1.1 404 Not Found</status></response>
  <sync-token>http://radicale.org/ns/sync/abc&amp;1</sync-token>
</multistatus>"#;

    #[test]
    fn rfc6578_sync_answer_fetches_changes_and_removes_404_members() {
        let ms = parse_multistatus(SYNC).unwrap();
        assert_eq!(ms.sync_token.as_deref(), Some("http://radicale.org/ns/sync/abc&1"));
        let plan = plan_from_sync(&ms, "/u/ab/");
        assert_eq!(plan, Plan { fetch: vec!["/u/ab/a.vcf".into()], remove: vec!["/u/ab/gone.vcf".into()] });
    }

    #[test]
    fn multiget_answer_carries_address_data_with_prefixed_names_and_entities() {
        let xml = r#"<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:response><D:href>/ab/a.vcf</D:href>
<D:propstat><D:prop><D:getetag>"2"</D:getetag><C:address-data>BEGIN:VCARD&#13;
FN:A &amp; B
END:VCARD</C:address-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
<D:propstat><D:prop><X:nope xmlns:X="x"/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response></D:multistatus>"#;
        let ms = parse_multistatus(xml).unwrap();
        let m = &ms.members[0];
        assert_eq!((m.href.as_str(), m.etag.as_deref(), m.status), ("/ab/a.vcf", Some("\"2\""), Some(200)));
        assert!(m.address_data.as_deref().unwrap().contains("FN:A & B"), "{:?}", m.address_data);
    }

    #[test]
    fn etag_comparison_fetches_new_and_changed_and_removes_unlisted() {
        let xml = r#"<multistatus xmlns="DAV:">
<response><href>/ab/</href><propstat><prop><getetag/><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/ab/same.vcf</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/ab/changed.vcf</href><propstat><prop><getetag>"3"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/ab/new.vcf</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>
</multistatus>"#;
        let held: HashMap<String, String> = [("/ab/same.vcf", "\"1\""), ("/ab/changed.vcf", "\"2\""), ("/ab/deleted.vcf", "\"1\"")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let plan = plan_from_etags(&parse_multistatus(xml).unwrap(), "http://h:1/ab", &held);
        assert_eq!(plan, Plan { fetch: vec!["/ab/changed.vcf".into(), "/ab/new.vcf".into()], remove: vec!["/ab/deleted.vcf".into()] });
    }

    #[test]
    fn a_ctag_answer_is_read() {
        let xml = r#"<d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:response><d:href>/ab/</d:href><d:propstat><d:prop><cs:getctag>"c7"</cs:getctag><d:sync-token>t7</d:sync-token></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#;
        let ms = parse_multistatus(xml).unwrap();
        assert_eq!((ms.members[0].ctag.as_deref(), ms.members[0].sync_token.as_deref()), (Some("\"c7\""), Some("t7")));
    }

    #[test]
    fn a_stale_token_and_a_missing_feature_are_told_apart() {
        assert!(token_rejected(403, "<error xmlns=\"DAV:\"><valid-sync-token/></error>"));
        assert!(!token_rejected(403, "forbidden"));
        assert!(sync_unsupported(501) && !sync_unsupported(500));
    }

    #[test]
    fn truncated_or_garbage_xml_is_an_error_not_a_panic() {
        assert!(parse_multistatus("<multistatus xmlns=\"DAV:\"><response><href>/a").is_err());
        assert!(parse_multistatus("<<<>>>&&&").is_err() || parse_multistatus("<<<>>>&&&").unwrap().members.is_empty());
        assert!(multiget_body(&["/a&b<".into()]).contains("/a&amp;b&lt;"));
    }
}
