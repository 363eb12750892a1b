//! The CLI's TOML config (design §4), turned into the core's `PhoneConfig`.
//! A bad or missing field yields one clear sentence; the password is read from the environment
//! variable the config names and never printed.

use ringside_core::engine::{AccountConfig, CallsConfig, MediaConfig, PhoneConfig, SipConfig};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    account: Option<AccountConfig>,
    #[serde(default)]
    accounts: Vec<AccountConfig>,
    #[serde(default)]
    sip: SipConfig,
    /// Call handling: `waiting = "ring" | "busy"`.
    #[serde(default)]
    calls: CallsConfig,
    /// Codecs, SRTP policy, Opus complexity.
    #[serde(default)]
    media: MediaConfig,
    /// RFC 8599 push parameters: provider, prid (the token), param.
    #[serde(default)]
    push: Option<ringside_core::push::pn_params::PushConfig>,
}

/// A loaded config with each account's password, looked up in the environment.
pub struct Loaded {
    pub phone: PhoneConfig,
    pub passwords: Vec<(String, String)>,
}

pub fn load(path: &Path, data_dir: Option<PathBuf>) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1);
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        format!("bad config {}: {}{at}", path.display(), e.message().trim())
    })?;
    let mut accounts = file.accounts;
    if let Some(a) = file.account {
        accounts.insert(0, a);
    }
    if accounts.is_empty() {
        return Err(format!("bad config {}: no [account] section", path.display()));
    }
    let mut passwords = Vec::new();
    for a in &accounts {
        let var = a.password_env.clone().unwrap_or_else(|| "RINGSIDE_PASSWORD".into());
        match std::env::var(&var) {
            Ok(pw) if !pw.is_empty() => passwords.push((a.key(), pw)),
            _ => return Err(format!("the password of account {} is missing: set the environment variable {var}", a.key())),
        }
    }
    let data_dir = data_dir.unwrap_or_else(default_data_dir);
    Ok(Loaded { phone: PhoneConfig { data_dir, accounts, sip: file.sip, calls: file.calls, media: file.media, push: file.push }, passwords })
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("ringside")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Loaded, String> {
        let dir = std::env::temp_dir().join(format!("ringside-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.toml", text.len()));
        std::fs::write(&path, text).unwrap();
        load(&path, Some(dir))
    }

    #[test]
    fn missing_field_is_one_sentence_with_its_line() {
        let err = load_text("[account]\nusername = \"1001\"\n").err().unwrap();
        assert!(err.contains("missing field `domain`") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn unknown_field_is_named() {
        let err = load_text("[account]\nusername = \"1\"\ndomain = \"d\"\npasword = \"x\"\n").err().unwrap();
        assert!(err.contains("pasword") && err.contains("line 4"), "{err}");
    }

    #[test]
    fn password_comes_from_the_named_variable() {
        std::env::set_var("RS_TEST_PW_1", "s3cret");
        let ok = load_text("[account]\nusername = \"1\"\ndomain = \"d\"\npassword_env = \"RS_TEST_PW_1\"\n[sip]\nexpires = 120\n").ok().unwrap();
        assert_eq!(ok.passwords, vec![("1@d".to_string(), "s3cret".to_string())]);
        assert_eq!(ok.phone.sip.expires, 120);
        let err = load_text("[account]\nusername = \"1\"\ndomain = \"d\"\npassword_env = \"RS_TEST_PW_UNSET\"\n").err().unwrap();
        assert!(err.contains("RS_TEST_PW_UNSET"), "{err}");
    }
}
