//! A throw-away CA and a server certificate for 127.0.0.1, or one self-signed certificate, made
//! with the openssl command.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TestPki {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

/// Runs `openssl ARGS` in `dir`; panics with its stderr when it fails.
pub(crate) fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl is installed (scripts/install-deps)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

pub fn make(dir: &Path) -> TestPki {
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Ringside Test CA"]);
    openssl(dir, &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    TestPki { ca_cert: dir.join("ca.pem"), server_cert: dir.join("server.pem"), server_key: dir.join("server.key") }
}

/// What many on-premise PBXs ship: `openssl req -x509` with its defaults (so `CA:TRUE`), naming
/// `san` (e.g. `IP:127.0.0.1`). Returns (certificate, key); the certificate is its own CA.
pub fn self_signed(dir: &Path, san: &str) -> (PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "self.key",
            "-out",
            "self.pem",
            "-days",
            "2",
            "-subj",
            "/CN=pbx",
            "-addext",
            &format!("subjectAltName={san}"),
        ],
    );
    (dir.join("self.pem"), dir.join("self.key"))
}
