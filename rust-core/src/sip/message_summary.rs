//! RFC 3842 `application/simple-message-summary` bodies: how many voicemails wait.
//!
//! Input: a NOTIFY body. Output: new and old voice messages (urgent counts folded in), and
//! the `Messages-Waiting` flag for PBXs that send no counts.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSummary {
    pub waiting: bool,
    pub new: u32,
    pub old: u32,
}

/// Parses a message-summary body; `None` when it lacks the mandatory `Messages-Waiting` line.
pub fn parse(body: &str) -> Option<MessageSummary> {
    let mut waiting = None;
    let (mut new, mut old) = (0u32, 0u32);
    for line in body.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if name == "messages-waiting" {
            waiting = Some(value.eq_ignore_ascii_case("yes"));
        } else if name == "voice-message" {
            // RFC 3842 §5.2: "new/old (urgent_new/urgent_old)"; urgent ones are among new/old.
            let counts = value.split_whitespace().next().unwrap_or("");
            if let Some((n, o)) = counts.split_once('/') {
                new = n.trim().parse().unwrap_or(0);
                old = o.trim().parse().unwrap_or(0);
            }
        }
    }
    waiting.map(|waiting| MessageSummary { waiting, new, old })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3842_example_with_counts() {
        let body = "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 4/8 (1/2)\r\n";
        assert_eq!(parse(body), Some(MessageSummary { waiting: true, new: 4, old: 8 }));
    }

    #[test]
    fn flag_only_and_case_insensitive_names() {
        assert_eq!(parse("messages-waiting: no\r\n"), Some(MessageSummary { waiting: false, new: 0, old: 0 }));
        assert_eq!(parse("MESSAGES-WAITING: Yes"), Some(MessageSummary { waiting: true, new: 0, old: 0 }));
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("Voice-Message: x/y"), None);
        assert_eq!(parse("Messages-Waiting: yes\nVoice-Message: 99999999999/1"), Some(MessageSummary { waiting: true, new: 0, old: 1 }));
    }
}
