//! Runs every case of the AWS SigV4a test suite (vectors/aws-signing-test-suite/v4a, shipped
//! in the `aws-sigv4` package) in header and query form: canonical request and string to sign
//! equal the suite's, the derived public key equals `public-key.json`, the suite's signed
//! requests verify, sigv4x's signatures verify under the suite's key, and one flipped bit in
//! the signature or in any signed header value is refused. SigV4a signatures are randomized,
//! so they are compared by verifying them, never as text.
#![cfg(feature = "sigv4a")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::borrow::Cow;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use sigv4x::{
    AmzDate, Credentials, KeyQuery, KeyRecord, LookupResult, Payload, RawRequest, SecretStore,
    SignatureLocation, SignerV4a, SigningKeyV4a, SigningSettings, Verifier,
};

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vectors/aws-signing-test-suite/v4a"
);

struct Case {
    name: String,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    time: SystemTime,
    normalize: bool,
    sign_body: bool,
    omit_session_token: bool,
    expires: u64,
    public_key: Vec<u8>,
}

struct Parsed {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Parsed {
    fn raw<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> RawRequest<'a> {
        RawRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers,
        }
    }

    fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

/// A request file read as an HTTP/1.1 server reads it, obs-fold lines joined with a space.
fn parse_request(text: &str) -> Parsed {
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b)) => (h, b.as_bytes().to_vec()),
        None => (text.trim_end_matches('\n'), Vec::new()),
    };
    let mut lines = head.lines();
    let (method, rest) = lines.next().unwrap().split_once(' ').unwrap();
    let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line);
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.into(), value.into()));
        }
    }
    Parsed {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers,
        body,
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn load(dir: &Path) -> Case {
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("context.json")).unwrap()).unwrap();
    let key: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("public-key.json")).unwrap()).unwrap();
    let mut public_key = vec![4];
    public_key.extend(hex(key["X"].as_str().unwrap()));
    public_key.extend(hex(key["Y"].as_str().unwrap()));
    let creds = &v["credentials"];
    let stamp: String = (v["timestamp"].as_str().unwrap().chars())
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["service"], "service");
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        access_key_id: creds["access_key_id"].as_str().unwrap().into(),
        secret: creds["secret_access_key"].as_str().unwrap().into(),
        token: creds["token"].as_str().map(String::from),
        time: AmzDate::parse(stamp.as_bytes()).unwrap().to_system_time(),
        normalize: v["normalize"].as_bool().unwrap(),
        sign_body: v["sign_body"].as_bool().unwrap(),
        omit_session_token: v["omit_session_token"].as_bool().unwrap_or(false),
        expires: v["expiration_in_seconds"].as_u64().unwrap(),
        public_key,
    }
}

impl Case {
    fn settings(&self, form: &str) -> SigningSettings {
        let mut s = SigningSettings::default();
        s.normalize_path = self.normalize;
        // The CRT cases are made with double URI encoding off (see tests/aws_suite.rs).
        s.double_encode_path = false;
        s.content_sha256_header = self.sign_body && form == "header";
        s.sign_session_token = !self.omit_session_token;
        s
    }

    fn signer(&self, form: &str) -> SignerV4a {
        let creds = Credentials::new(&self.access_key_id, &self.secret, self.token.clone());
        SignerV4a::new(creds, "us-east-1", "service").with_settings(self.settings(form))
    }

    fn location(&self, form: &str) -> SignatureLocation {
        match form {
            "header" => SignatureLocation::Headers,
            _ => SignatureLocation::Query(Duration::from_secs(self.expires)),
        }
    }

    /// A verifier for this case whose store knows the key by `record`.
    fn verifier<'s>(&self, form: &str, store: &'s Store) -> Verifier<&'s Store> {
        Verifier::new(store)
            .region("us-east-1")
            .service("service")
            .settings(self.settings(form))
            .accept_non_normal_paths(true)
    }

    fn payload<'b>(&self, body: &'b [u8]) -> Payload<'b> {
        if self.sign_body {
            Payload::Bytes(body)
        } else {
            Payload::Empty
        }
    }
}

/// One key, known by its secret or by its public key alone.
struct Store {
    access_key_id: String,
    secret: Option<String>,
    public_key: Vec<u8>,
    token: Option<String>,
}

impl SecretStore for Store {
    fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        if query.access_key_id() != self.access_key_id {
            return Ok(None);
        }
        let record = match &self.secret {
            Some(secret) => KeyRecord::new(secret.as_str()),
            None => KeyRecord::from_sigv4a_public_key(Cow::Borrowed(self.public_key.as_slice())),
        };
        Ok(Some(match &self.token {
            Some(t) => record.with_session_token(t.as_str()),
            None => record,
        }))
    }
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn cases() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = fs::read_dir(SUITE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn canonical_requests_and_strings_to_sign_equal_the_suite() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in cases() {
        let case = load(&dir);
        let req = parse_request(&read(&dir, "request.txt"));
        let headers = req.header_refs();
        for form in ["header", "query"] {
            let report = case
                .signer(form)
                .explain_raw_at(
                    &req.raw(&headers),
                    case.payload(&req.body),
                    case.location(form),
                    case.time,
                )
                .unwrap_or_else(|e| panic!("{} {form}: {e}", case.name));
            for (what, got) in [
                ("canonical-request", &report.canonical_request),
                ("string-to-sign", &report.string_to_sign),
            ] {
                let want = read(&dir, &format!("{form}-{what}.txt"));
                if want.trim_end_matches('\n') != got {
                    failures.push(format!(
                        "{} {form} {what}:\n--- expected\n{want}\n--- got\n{got}",
                        case.name
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 76);
}

#[test]
fn derived_public_keys_equal_the_suite() {
    for dir in cases() {
        let case = load(&dir);
        let key = SigningKeyV4a::derive(&case.access_key_id, &case.secret);
        assert_eq!(
            &*key.public_key_sec1(false),
            &case.public_key[..],
            "{}",
            case.name
        );
    }
}

/// Verifies `signed` (a request as sent) under `store`; then flips one bit of the signature
/// and of each signed header value and expects each copy refused.
fn verify_and_tamper(case: &Case, form: &str, store: &Store, signed: &Parsed) -> Vec<String> {
    let mut failures = Vec::new();
    let verifier = case.verifier(form, store);
    let payload = case.payload(&signed.body);
    let headers = signed.header_refs();
    if let Err(e) = verifier.verify_raw_at(&signed.raw(&headers), payload, case.time) {
        failures.push(format!(
            "{} {form}: refused: {e} {:?}",
            case.name,
            e.mismatch()
        ));
        return failures;
    }
    let mut tampered: Vec<Parsed> = Vec::new();
    // The signature's last hex digit, in the header or the query.
    let flip = |s: &str, at: usize| {
        let mut b = s.as_bytes().to_vec();
        b[at] ^= 1;
        String::from_utf8(b).unwrap()
    };
    let copy = |p: &Parsed| Parsed {
        method: p.method.clone(),
        path: p.path.clone(),
        query: p.query.clone(),
        headers: p.headers.clone(),
        body: p.body.clone(),
    };
    let mut t = copy(signed);
    if form == "header" {
        let auth = t
            .headers
            .iter_mut()
            .find(|(n, _)| n == "Authorization")
            .unwrap();
        auth.1 = flip(&auth.1, auth.1.len() - 1);
    } else {
        t.query = flip(&t.query, t.query.len() - 1);
    }
    tampered.push(t);
    for i in 0..signed.headers.len() {
        let name = signed.headers[i].0.to_ascii_lowercase();
        if name == "authorization" || signed.headers[i].1.trim().is_empty() {
            continue;
        }
        let mut t = copy(signed);
        let v = &mut t.headers[i].1;
        *v = flip(v, v.trim_end().len() - 1);
        tampered.push(t);
    }
    let mut t = copy(signed);
    t.method = if t.method == "GET" { "PUT" } else { "GET" }.into();
    tampered.push(t);
    for t in &tampered {
        let headers = t.header_refs();
        if verifier
            .verify_raw_at(&t.raw(&headers), case.payload(&t.body), case.time)
            .is_ok()
        {
            failures.push(format!(
                "{} {form}: tampered copy verified: {} ?{} {:?}",
                case.name, t.method, t.query, t.headers
            ));
        }
    }
    failures
}

#[test]
fn the_suites_signed_requests_verify_and_flipped_bits_do_not() {
    let mut failures = Vec::new();
    for dir in cases() {
        let case = load(&dir);
        for form in ["header", "query"] {
            let signed = parse_request(&read(&dir, &format!("{form}-signed-request.txt")));
            // Once with the key derived from the secret, once with the suite's public key alone.
            for secret in [Some(case.secret.clone()), None] {
                let store = Store {
                    access_key_id: case.access_key_id.clone(),
                    secret,
                    public_key: case.public_key.clone(),
                    token: case.token.clone(),
                };
                failures.extend(verify_and_tamper(&case, form, &store, &signed));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sigv4x_signatures_verify_under_the_suites_public_key() {
    let mut failures = Vec::new();
    for dir in cases() {
        let case = load(&dir);
        let req = parse_request(&read(&dir, "request.txt"));
        let headers = req.header_refs();
        let store = Store {
            access_key_id: case.access_key_id.clone(),
            secret: None,
            public_key: case.public_key.clone(),
            token: case.token.clone(),
        };
        for form in ["header", "query"] {
            let signer = case.signer(form);
            let mut sent = parse_request(&read(&dir, "request.txt"));
            if form == "header" {
                let out = signer
                    .sign_raw_at(&req.raw(&headers), case.payload(&req.body), case.time)
                    .unwrap();
                for (name, value) in out.headers() {
                    sent.headers.push((name.into(), value.into()));
                }
            } else {
                sent.query = signer
                    .presign_raw_at(
                        &req.raw(&headers),
                        case.payload(&req.body),
                        Duration::from_secs(case.expires),
                        case.time,
                    )
                    .unwrap();
            }
            failures.extend(verify_and_tamper(&case, form, &store, &sent));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
