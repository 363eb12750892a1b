//! The CLI's TOML config (design §4), turned into the core's `PhoneConfig`.
//! A bad or missing field yields one clear sentence; the password is read from the environment
//! variable the config names and never printed.

use ringside_core::library::{ContactsConfig, DirectoryConfig, LibraryConfig, VoicemailConfig};
use ringside_core::{AccountConfig, CallsConfig, MediaConfig, PhoneConfig, SipConfig};
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
    push: Option<ringside_core::PushConfig>,
    /// `default_region = "FR"`: how national numbers read.
    #[serde(default)]
    contacts: ContactsConfig,
    /// The company directory: CardDAV `url`, `username`, `password_env`.
    directory: Option<DirectoryConfig>,
    /// Visual voicemail: `imap_url`, `username`, `password_env`, `folder`.
    voicemail: Option<VoicemailConfig>,
}

/// The library's part of a config, for the commands that need no SIP account.
pub struct LoadedLibrary {
    pub data_dir: PathBuf,
    pub library: LibraryConfig,
    /// `directory:<user>` / `voicemail:<user>` → password, from the variables the config names.
    pub passwords: Vec<(String, String)>,
}

fn parse(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1);
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        format!("bad config {}: {}{at}", path.display(), e.message().trim())
    })
}

fn library_of(file: &ConfigFile) -> (LibraryConfig, Vec<(String, String)>) {
    let mut passwords = Vec::new();
    let mut secret = |kind: &str, user: &str, var: &Option<String>, default: &str| {
        let var = var.clone().unwrap_or_else(|| default.into());
        if let Ok(pw) = std::env::var(&var) {
            if !pw.is_empty() {
                passwords.push((format!("{kind}:{user}"), pw));
            }
        }
    };
    if let Some(d) = &file.directory {
        secret("directory", &d.username, &d.password_env, "RINGSIDE_DIRECTORY_PASSWORD");
    }
    if let Some(v) = &file.voicemail {
        secret("voicemail", &v.username, &v.password_env, "RINGSIDE_VOICEMAIL_PASSWORD");
    }
    let library = LibraryConfig {
        contacts: file.contacts.clone(),
        directory: file.directory.clone(),
        voicemail: file.voicemail.clone(),
        tls_ca_file: file.sip.tls_ca_file.clone(),
    };
    (library, passwords)
}

/// The config's contacts, directory and voicemail settings; no `[account]` needed.
pub fn load_library(path: &Path, data_dir: Option<PathBuf>) -> Result<LoadedLibrary, String> {
    let file = parse(path)?;
    let (library, passwords) = library_of(&file);
    Ok(LoadedLibrary { data_dir: data_dir.unwrap_or_else(default_data_dir), library, passwords })
}

/// A loaded config with each account's password, looked up in the environment.
pub struct Loaded {
    pub phone: PhoneConfig,
    pub passwords: Vec<(String, String)>,
}

pub fn load(path: &Path, data_dir: Option<PathBuf>) -> Result<Loaded, String> {
    let file = parse(path)?;
    let (library, library_passwords) = library_of(&file);
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
    passwords.extend(library_passwords);
    let data_dir = data_dir.unwrap_or_else(default_data_dir);
    Ok(Loaded { phone: PhoneConfig { data_dir, accounts, sip: file.sip, calls: file.calls, media: file.media, push: file.push, library }, passwords })
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
    fn library_sections_load_without_an_account_and_passwords_from_their_variables() {
        std::env::set_var("RS_TEST_DIR_PW", "d1r");
        let text = "[contacts]\ndefault_region = \"FR\"\n[directory]\nurl = \"https://dav.test/ab/\"\nusername = \"alice\"\npassword_env = \"RS_TEST_DIR_PW\"\n[voicemail]\nimap_url = \"imaps://mail.test\"\nusername = \"vm\"\n";
        let dir = std::env::temp_dir().join(format!("ringside-cfg-lib-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.toml");
        std::fs::write(&path, text).unwrap();
        let l = load_library(&path, Some(dir)).unwrap();
        assert_eq!(l.library.contacts.default_region.as_deref(), Some("FR"));
        assert_eq!(l.library.voicemail.as_ref().unwrap().folder, "INBOX");
        assert_eq!(l.passwords, vec![("directory:alice".to_string(), "d1r".to_string())]);
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
