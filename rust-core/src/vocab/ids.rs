//! The ids that cross layers: a call's stable uuid (the same for its push and its INVITE, so a
//! shell reports one call and the log keeps one row), a push's own uuid when it names no call,
//! and the account key (`user@domain`) accounts, pushes and the store are keyed by.

const CALL_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f6b2c1e_7a0d_4f7e_9c53_0b1f3d2a9e61);

/// UUIDv5 of account and Call-ID (design §2): a duplicate push, its INVITE and every event of
/// the call carry this one id.
pub fn call_uuid(account_key: &str, call_id: &str) -> String {
    uuid::Uuid::new_v5(&CALL_NAMESPACE, format!("{account_key}\n{call_id}").as_bytes()).to_string()
}

/// The id of a push that names no call: the envelope itself, so a repeat maps to one call.
pub fn push_uuid(raw: &[u8]) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, raw).to_string()
}

/// `user@domain` with the domain lower-cased: how an account is named everywhere.
pub fn account_key(user: &str, domain: &str) -> String {
    format!("{user}@{}", domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_uuid_is_stable_per_account_and_call_id() {
        assert_eq!(call_uuid("1001@pbx", "abc"), call_uuid("1001@pbx", "abc"));
        assert_ne!(call_uuid("1001@pbx", "abc"), call_uuid("1002@pbx", "abc"));
        assert_ne!(call_uuid("1001@pbx", "abc"), call_uuid("1001@pbx", "abd"));
    }

    #[test]
    fn account_keys_ignore_the_domains_case() {
        assert_eq!(account_key("1001", "PBX.Example.com"), "1001@pbx.example.com");
    }
}
