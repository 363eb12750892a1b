//! The phone object across engine restarts: subscriptions follow the new engine.

use super::*;
use crate::enums::{SecretKind, SrtpPolicy};
use std::sync::mpsc;

struct Collect(Mutex<mpsc::Sender<Vec<AccountInfo>>>);

impl RegistrationListener for Collect {
    fn on_registrations(&self, accounts: Vec<AccountInfo>) {
        if let Ok(tx) = self.0.lock() {
            let _ = tx.send(accounts);
        }
    }
}

struct Passwords;

impl SecretStore for Passwords {
    fn password(&self, _kind: SecretKind, _account: String) -> Option<String> {
        Some("pw".into())
    }
}

fn settings(dir: &std::path::Path) -> PhoneSettings {
    PhoneSettings {
        data_dir: dir.display().to_string(),
        accounts: vec![],
        codecs: vec![],
        srtp: SrtpPolicy::Optional,
        busy_when_in_call: false,
        dns_servers: vec![],
        push: None,
        user_agent: None,
        tls_ca_file: None,
        default_region: None,
        directory: None,
        voicemail: None,
    }
}

/// Waits (bounded) for the listener to deliver a list `ok` accepts.
fn wait_for(rx: &mpsc::Receiver<Vec<AccountInfo>>, ok: impl Fn(&[AccountInfo]) -> bool) -> Vec<AccountInfo> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(list) if ok(&list) => return list,
            Ok(_) => {}
            Err(e) => panic!("no such registration list within 10 s: {e}"),
        }
    }
}

// The setup form adds the first account while the banner's subscription is live: the phone
// restarts its engine to do so, and the subscription must carry on over the new engine.
#[test]
fn a_registration_subscription_sees_accounts_added_after_it_began() {
    let dir = std::env::temp_dir().join(format!("ringside-ffi-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let phone = rt.block_on(start_phone(settings(&dir), Arc::new(Passwords), None, None)).unwrap();
    let (tx, rx) = mpsc::channel();
    let _sub = phone.clone().subscribe_registrations(Arc::new(Collect(Mutex::new(tx))));
    assert!(wait_for(&rx, |_| true).is_empty(), "no account at first");
    // A proxy nobody listens on: only the list matters here, not the registration's outcome.
    let account = Account {
        username: "1001".into(),
        domain: "pbx.test".into(),
        proxy: Some("sip:127.0.0.1:9".into()),
        display_name: None,
        auth_username: None,
        voicemail: None,
    };
    rt.block_on(phone.add_account(account)).unwrap();
    let seen = wait_for(&rx, |l| !l.is_empty());
    assert_eq!(seen.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), vec!["1001@pbx.test"]);
    rt.block_on(phone.update_settings(crate::CallSettings {
        codecs: vec![],
        srtp: SrtpPolicy::Off,
        busy_when_in_call: true,
        default_region: None,
        directory: None,
        voicemail: None,
    }))
    .unwrap();
    assert_eq!(phone.config_now().unwrap().calls.waiting, ringside_core::CallWaiting::Busy, "the new settings run");
    assert_eq!(phone.accounts().len(), 1, "a settings change keeps the accounts");
    rt.block_on(phone.shutdown(500));
    drop(phone);
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}
