//! The push gateway as the tests run it: Kamailio with gateway/kamailio/gateway.cfg (registrar,
//! forking proxy, tsilo), the `ringside-push` sender it posts wake-ups to, and a fake APNs/FCM
//! cloud the sender pushes to — keys made fresh by openssl for each run.

use crate::certs::{self, openssl, TestPki};
use crate::kamailio::{GatewaySettings, Pbx, PbxOptions};
use crate::process::Owned;
use crate::push_cloud::{CloudKeys, PushCloud};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

pub const FCM_PROJECT: &str = "ringside-test";
pub const APNS_PARAM: &str = "TEAM123456.com.example.ringside";
const TEAM: &str = "TEAM123456";
const KEY_ID: &str = "KEY7654321";
const CLIENT_EMAIL: &str = "push@ringside-test.iam.gserviceaccount.com";

/// The `ringside-push` binary: `$RINGSIDE_PUSH_BIN`, else the workspace's debug build.
pub fn sender_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| crate::ringside::workspace_binary("RINGSIDE_PUSH_BIN", "ringside-push-sender", "ringside-push")).clone()
}

#[derive(Clone, Debug)]
pub struct GatewayOptions {
    pub ring_timeout_ms: u32,
    pub wake_timeout_ms: u32,
    /// Start the push sender (false: it is down; Kamailio's posts are refused).
    pub sender: bool,
    /// Also listen on TLS (the phone's flow in the push-to-ring bench).
    pub tls: bool,
    /// FRONT_PBX mode in front of this PBX URI.
    pub front_pbx: Option<String>,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        GatewayOptions { ring_timeout_ms: 30_000, wake_timeout_ms: 8_000, sender: true, tls: false, front_pbx: None }
    }
}

pub struct Gateway {
    pub pbx: Pbx,
    pub cloud: PushCloud,
    sender: Option<Owned>,
    pub sender_port: u16,
    dir: tempfile::TempDir,
}

impl Gateway {
    pub fn start(options: GatewayOptions) -> Gateway {
        let PushService { cloud, sender, sender_port, dir, .. } = PushService::start("127.0.0.1", options.sender);
        let pbx = Pbx::start(PbxOptions {
            gateway: Some(GatewaySettings {
                push_url: format!("http://127.0.0.1:{sender_port}"),
                ring_timeout_ms: options.ring_timeout_ms,
                wake_timeout_ms: options.wake_timeout_ms,
                front_pbx: options.front_pbx.clone(),
            }),
            tls: options.tls,
            ..PbxOptions::default()
        });
        Gateway { pbx, cloud, sender, sender_port, dir }
    }

    pub fn sender_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sender.log")).unwrap_or_default()
    }

    pub fn sender_pid(&self) -> Option<u32> {
        self.sender.as_ref().map(|s| s.pid())
    }
}

/// The push half of a gateway: a fake APNs/FCM cloud and the `ringside-push` sender that
/// Kamailio posts wake-ups to, listening on `listen_ip` (a gateway node's address for it).
pub struct PushService {
    pub cloud: PushCloud,
    pub sender: Option<Owned>,
    pub sender_port: u16,
    /// Where the sender listens: Kamailio posts to `http://listen_ip:sender_port`.
    pub listen_ip: String,
    pub dir: tempfile::TempDir,
}

impl PushService {
    pub fn start(listen_ip: &str, sender: bool) -> PushService {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let pki: TestPki = certs::make(d);
        // APNs: a P-256 key in PKCS#8 (what Apple's .p8 is); FCM: a service account's RSA key.
        openssl(d, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "apns.p8"]);
        openssl(d, &["pkey", "-in", "apns.p8", "-pubout", "-out", "apns.pub"]);
        openssl(d, &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"]);
        openssl(d, &["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
        let keys = CloudKeys {
            apns_public_pem: std::fs::read(d.join("apns.pub")).unwrap(),
            team_id: TEAM.into(),
            key_id: KEY_ID.into(),
            apns_topic: "com.example.ringside.voip".into(),
            fcm_public_pem: std::fs::read(d.join("sa.pub")).unwrap(),
            client_email: CLIENT_EMAIL.into(),
            token_uri: String::new(),
        };
        let cloud = PushCloud::start(&pki, keys);
        let token_uri = cloud.token_uri();
        std::fs::write(
            d.join("sa.json"),
            serde_json::json!({
                "type": "service_account",
                "project_id": FCM_PROJECT,
                "private_key_id": "sa-key-1",
                "private_key": std::fs::read_to_string(d.join("sa.key")).unwrap(),
                "client_email": CLIENT_EMAIL,
                "token_uri": token_uri,
            })
            .to_string(),
        )
        .unwrap();
        let sender_listen = std::net::TcpListener::bind((listen_ip, 0)).unwrap();
        let sender_port = sender_listen.local_addr().unwrap().port();
        drop(sender_listen);
        std::fs::write(
            d.join("sender.toml"),
            format!(
                "listen = \"{listen_ip}:{sender_port}\"\ntimeout_ms = 3000\nca_file = \"{ca}\"\n[apns]\nendpoint = \"{url}\"\nteam_id = \"{TEAM}\"\nkey_id = \"{KEY_ID}\"\nkey_file = \"{p8}\"\n[fcm]\nendpoint = \"{url}\"\nservice_account_file = \"{sa}\"\n",
                ca = pki.ca_cert.display(),
                url = cloud.url(),
                p8 = d.join("apns.p8").display(),
                sa = d.join("sa.json").display(),
            ),
        )
        .unwrap();
        let sender = sender.then(|| start_sender(&d.join("sender.toml"), d));
        PushService { cloud, sender, sender_port, listen_ip: listen_ip.to_string(), dir }
    }
}

/// Starts the sender and waits (bounded) for its `listening` line.
fn start_sender(config: &Path, dir: &Path) -> Owned {
    let log = std::fs::File::create(dir.join("sender.log")).unwrap();
    let mut cmd = Command::new(sender_binary());
    cmd.arg("--config").arg(config).stdout(Stdio::piped()).stderr(log);
    let mut owned = Owned::spawn("ringside-push", &mut cmd).expect("ringside-push runs");
    let stdout = owned.child_mut().stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    assert!(
        line.starts_with("listening"),
        "ringside-push did not start: {line:?}; log:\n{}",
        std::fs::read_to_string(dir.join("sender.log")).unwrap_or_default()
    );
    owned
}
