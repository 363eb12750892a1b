//! vCard (RFC 6350, and the 2.1/3.0 that phones export) to the store's contact cards. Input:
//! the text of a `.vcf` file or one CardDAV resource; output: one card per vCard, or the reason
//! it was skipped. A broken card never stops the ones after it. Parsing is calcard's.

use crate::store::contacts::{ContactCard, ContactNumber};
use calcard::common::IanaType;
use calcard::vcard::{VCard, VCardParameterName, VCardProperty};
use calcard::Entry;

/// A card, or why the `n`th card of the text was skipped.
pub type Parsed = Result<ContactCard, String>;

/// Every vCard of `text`, in order.
pub fn parse(text: &str) -> Vec<Parsed> {
    let mut out = Vec::new();
    let mut parser = calcard::Parser::new(text);
    loop {
        let n = out.len() + 1;
        match parser.entry() {
            Entry::VCard(card) => out.push(card_of(&card).map_err(|why| format!("card {n}: {why}"))),
            Entry::ICalendar(_) => out.push(Err(format!("card {n}: an iCalendar object, not a vCard"))),
            Entry::InvalidLine(line) => out.push(Err(format!("card {n}: invalid line {:?}", clip(&line)))),
            Entry::UnexpectedComponentEnd { found, .. } => out.push(Err(format!("card {n}: unexpected END:{found:?}"))),
            Entry::UnterminatedComponent(what) => out.push(Err(format!("card {n}: {what} is not terminated (no END:VCARD)"))),
            Entry::TooManyComponents => {
                out.push(Err(format!("card {n}: too many nested components")));
                break;
            }
            Entry::Eof => break,
            // calcard may add kinds of entry; none of them is a card.
            _ => out.push(Err(format!("card {n}: not a vCard"))),
        }
    }
    out
}

/// At most 60 characters of a bad line, for a report a person reads.
fn clip(line: &str) -> String {
    line.chars().take(60).collect()
}

fn text(card: &VCard, prop: VCardProperty) -> Option<String> {
    card.property(&prop).and_then(|e| e.values.first()).and_then(|v| v.as_text()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn card_of(card: &VCard) -> Result<ContactCard, String> {
    let name = text(card, VCardProperty::Fn).or_else(|| {
        // N: family;given;additional;prefix;suffix — shown as "given family".
        let n = card.property(&VCardProperty::N)?;
        let parts: Vec<&str> = n.values.iter().filter_map(|v| v.as_text()).collect();
        let shown = [parts.get(1), parts.first()].into_iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        (!shown.is_empty()).then_some(shown)
    });
    let numbers: Vec<ContactNumber> = card
        .properties(&VCardProperty::Tel)
        .filter_map(|tel| {
            let raw = tel.values.first()?.as_text()?.trim();
            let number = raw.strip_prefix("tel:").unwrap_or(raw).to_string();
            if number.is_empty() {
                return None;
            }
            let label = tel
                .parameters(&VCardParameterName::Type)
                .filter_map(|p| p.as_type())
                .map(|t| match t {
                    IanaType::Iana(t) => format!("{t:?}").to_lowercase(),
                    IanaType::Other(s) => s.to_lowercase(),
                })
                .filter(|t| t != "voice" && t != "pref")
                .next();
            Some(ContactNumber { number, e164: None, label })
        })
        .collect();
    let emails = card.properties(&VCardProperty::Email).filter_map(|e| e.values.first()?.as_text().map(str::to_string)).collect();
    if name.is_none() && numbers.is_empty() {
        return Err("no name (FN or N) and no number (TEL)".into());
    }
    Ok(ContactCard { uid: card.uid().map(str::to_string), name: name.unwrap_or_default(), organization: text(card, VCardProperty::Org), numbers, emails })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_3_and_4_cards_give_names_numbers_labels_and_emails() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Élodie Martin\r\nN:Martin;Élodie;;;\r\nORG:Acme;Sales\r\nTEL;TYPE=CELL:06 12 34 56 78\r\nTEL;TYPE=WORK,VOICE:1003\r\nEMAIL:elodie@acme.test\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:4.0\r\nN:Durand;Paul;;;\r\nTEL;VALUE=uri;TYPE=home:tel:+33145678901\r\nEND:VCARD\r\n";
        let cards = parse(text);
        assert_eq!(cards.len(), 2, "{cards:?}");
        let a = cards[0].as_ref().unwrap();
        assert_eq!((a.uid.as_deref(), a.name.as_str(), a.organization.as_deref()), (Some("u1"), "Élodie Martin", Some("Acme")));
        assert_eq!(
            a.numbers.iter().map(|n| (n.number.as_str(), n.label.as_deref())).collect::<Vec<_>>(),
            vec![("06 12 34 56 78", Some("cell")), ("1003", Some("work"))]
        );
        assert_eq!(a.emails, vec!["elodie@acme.test"]);
        let b = cards[1].as_ref().unwrap();
        assert_eq!((b.name.as_str(), b.numbers[0].number.as_str()), ("Paul Durand", "+33145678901"));
    }

    #[test]
    fn a_malformed_card_is_skipped_with_its_reason_and_the_rest_kept() {
        let text = "BEGIN:VCARD\nVERSION:3.0\nFN:First\nTEL:1001\nEND:VCARD\n\
                    BEGIN:VCARD\nVERSION:3.0\nNOTE:nothing to call\nEND:VCARD\n\
                    BEGIN:VCARD\nVERSION:3.0\nFN:Third\nTEL:1003\nEND:VCARD\n\
                    BEGIN:VCARD\nVERSION:3.0\nFN:Cut short\n";
        let cards = parse(text);
        let kept: Vec<&str> = cards.iter().filter_map(|c| c.as_ref().ok()).map(|c| c.name.as_str()).collect();
        // A card cut short at the end of the file still has its name and number: kept
        // (calcard reads liberally, as Postel's law asks).
        assert_eq!(kept, vec!["First", "Third", "Cut short"]);
        let skipped: Vec<&String> = cards.iter().filter_map(|c| c.as_ref().err()).collect();
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].starts_with("card 2: no name"), "{skipped:?}");
    }

    #[test]
    fn garbage_never_panics() {
        for text in ["", "\u{0}\u{1}", "BEGIN:VCARD", "END:VCARD\n", "BEGIN:VCARD\nTEL;;;;=:\nEND:VCARD", &"BEGIN:VCARD\n".repeat(500)] {
            let _ = parse(text);
        }
    }
}
