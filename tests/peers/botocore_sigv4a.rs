//! SigV4a against a real peer: botocore's CRT signers (`CrtSigV4AsymAuth`,
//! `CrtSigV4AsymQueryAuth` and their S3 variants, which call `awscrt`'s `aws-c-auth`) sign
//! hand-written and seeded random requests (header and presigned forms, region sets `*`,
//! `us-east-1`, `us-east-1,us-west-2`, `us-*`, with and without a session token), all in ONE
//! `python3` process, at a fixed signing time. sigv4x's `Verifier` must accept every signed
//! request, and refuse every copy with one byte changed in one signed part: the signature, the
//! method, the path, each query parameter, each signed header, the body.
//!
//! botocore and awscrt are installed in CI (`.ci/run`). Without them the test fails when
//! `CI=true` and prints a skip message otherwise.
//!
//! Inputs kept to what both sides define the same way (see `tests/botocore.rs` for botocore's
//! departures): upper-case methods, lower-case hosts, paths in normal form (the verifier refuses
//! others by design) with upper-case escapes, queries canonically encoded (the CRT takes the
//! query as given), distinct query names in presigned URLs (botocore's presigner keeps one value
//! per name) and no body there, header values of visible ASCII with inner spaces.
#![cfg(feature = "sigv4a")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::peer::{self, Lcg};

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sigv4x::{Payload, SigningSettings, StoredKey, Verifier};

const RANDOM_CASES: usize = 60;
const AKID: &str = "AKIDCRTSIGV4A";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==";

const SCRIPT: &str = r#"
import datetime, json, sys, types
import botocore.auth  # before botocore.crt.auth (circular import otherwise)
import botocore.crt.auth as crt_auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

out = []
for case in json.load(sys.stdin):
    try:
        now = datetime.datetime.fromtimestamp(case['time'], tz=datetime.timezone.utc)
        crt_auth.get_current_datetime = lambda remove_tzinfo=True, now=now: (
            now.replace(tzinfo=None) if remove_tzinfo else now)
        creds = Credentials(case['akid'], case['secret'], case['token'])
        if case['presign']:
            cls = crt_auth.CrtS3SigV4AsymQueryAuth if case['s3'] else crt_auth.CrtSigV4AsymQueryAuth
            signer = cls(creds, 'service', case['region_set'], expires=case['presign'])
        else:
            cls = crt_auth.CrtS3SigV4AsymAuth if case['s3'] else crt_auth.CrtSigV4AsymAuth
            signer = cls(creds, 'service', case['region_set'])
        req = AWSRequest(method=case['method'], url=case['url'],
                         data=bytes.fromhex(case['body_hex']) or None)
        for name, value in case['headers']:
            req.headers[name] = value  # appends: repeated names are kept in order
        signer.add_auth(req)
        body = req.body or b''
        if isinstance(body, str):
            body = body.encode()
        out.append({'method': req.method, 'url': req.url,
                    'headers': [[k, v] for k, v in req.headers.items()],
                    'body_hex': body.hex()})
    except Exception as e:
        out.append({'error': repr(e)})
json.dump(out, sys.stdout)
"#;

#[derive(Clone, Debug)]
struct Case {
    presign: Option<u64>,
    s3: bool,
    method: String,
    origin: String,
    path: String,
    /// The query as sent, canonically encoded.
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    secret: String,
    token: Option<String>,
    region_set: String,
    unix: u64,
}

impl Case {
    fn base() -> Case {
        Case {
            presign: None,
            s3: false,
            method: "GET".into(),
            origin: "https://example.amazonaws.com".into(),
            path: "/".into(),
            query: String::new(),
            headers: vec![],
            body: vec![],
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            token: None,
            region_set: "us-east-1".into(),
            unix: 1_764_400_000,
        }
    }

    fn with(mut self, f: impl FnOnce(&mut Case)) -> Case {
        f(&mut self);
        self
    }

    fn url(&self) -> String {
        if self.query.is_empty() {
            format!("{}{}", self.origin, self.path)
        } else {
            format!("{}{}?{}", self.origin, self.path, self.query)
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "presign": self.presign,
            "s3": self.s3,
            "method": self.method,
            "url": self.url(),
            "headers": self.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "body_hex": hex(&self.body),
            "akid": AKID,
            "secret": self.secret,
            "token": self.token,
            "region_set": self.region_set,
            "time": self.unix,
        })
    }

    fn verifier(&self) -> Verifier<HashMap<String, StoredKey>> {
        let mut key = StoredKey::new(self.secret.clone());
        if let Some(t) = &self.token {
            key = key.with_session_token(t.clone());
        }
        let v = Verifier::new(HashMap::from([(AKID.to_string(), key)]))
            .region("us-east-1")
            .service("service");
        if self.s3 {
            v.settings(SigningSettings::s3())
                .allow_unsigned_payload(true)
        } else {
            v
        }
    }

    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix + 30)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn fixed_cases() -> Vec<Case> {
    let b = Case::base;
    let mut cases = vec![
        b(),
        b().with(|c| c.path = "/path/to/resource".into()),
        b().with(|c| c.query = "Param2=value2&Param1=value1".into()),
        b().with(|c| c.query = "a%20b=c%20d%2Be&k=v%3Dw%26x&empty=".into()),
        b().with(|c| c.path = "/example%20space/%C3%BCn%C3%AFcode/%40user".into()),
        b().with(|c| {
            c.headers = vec![
                ("My-Header1".into(), "value1   with   spaces".into()),
                ("X-Custom".into(), "a,b;c=d".into()),
                ("X-Amz-Meta-Color".into(), "blue".into()),
            ]
        }),
        b().with(|c| {
            c.headers = vec![
                ("X-Repeated".into(), "one".into()),
                ("X-Repeated".into(), "two".into()),
            ]
        }),
        b().with(|c| {
            c.method = "POST".into();
            c.body = b"{\"orderId\":\"42\"}".to_vec();
            c.headers = vec![("Content-Type".into(), "application/json".into())];
        }),
        b().with(|c| {
            c.method = "PUT".into();
            c.body = vec![0, 1, 2, 255];
            c.token = Some(TOKEN.into());
        }),
        b().with(|c| c.origin = "https://example.amazonaws.com:8443".into()),
        b().with(|c| c.origin = "http://127.0.0.1:9000".into()),
        b().with(|c| {
            c.s3 = true;
            c.origin = "https://bucket.s3.amazonaws.com".into();
            c.path = "/photos/2026/cat%20photo.jpg".into();
            c.query = "list-type=2&prefix=a%20b%2F".into();
        }),
        b().with(|c| {
            c.s3 = true;
            c.method = "PUT".into();
            c.origin = "https://bucket.s3.amazonaws.com".into();
            c.path = "/docs/report.txt".into();
            c.body = b"hello s3".to_vec();
            c.token = Some(TOKEN.into());
        }),
        b().with(|c| {
            c.presign = Some(900);
            c.query = "limit=10".into();
        }),
        b().with(|c| {
            c.presign = Some(3600);
            c.token = Some(TOKEN.into());
            c.path = "/a%20b/c".into();
        }),
        b().with(|c| {
            c.presign = Some(3600);
            c.s3 = true;
            c.origin = "https://bucket.s3.amazonaws.com".into();
            c.path = "/photos/cat.jpg".into();
            c.token = Some(TOKEN.into());
        }),
    ];
    // Every fixed request under every region set.
    let sets = ["us-east-1", "*", "us-east-1,us-west-2", "us-*"];
    let n = cases.len();
    for i in 0..n {
        for set in &sets[1..] {
            let mut c = cases[i].clone();
            c.region_set = (*set).into();
            cases.push(c);
        }
    }
    cases
}

impl Lcg {
    /// `min..=max` characters of `alphabet`.
    fn text(&mut self, alphabet: &str, min: u64, max: u64) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let len = min + self.below(max - min + 1);
        (0..len)
            .map(|_| chars[self.below(chars.len() as u64) as usize])
            .collect()
    }
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_cases() -> Vec<Case> {
    let mut rng = Lcg(0x5157_4a4a);
    // Path segments in normal form: unreserved characters, escapes of the others (upper case).
    let segments = [
        "orders",
        "a-b_c.d~e",
        "%20",
        "%E2%82%AC",
        "%40user",
        "x%3Dy",
        "42",
        "%2B",
        "UPPER",
    ];
    let keys = [
        "a",
        "b",
        "limit",
        "x-y",
        "%E2%82%AC",
        "k%20k",
        "Z",
        "list-type",
    ];
    let values = [
        "",
        "1",
        "v%2Fw",
        "%20",
        "hello",
        "%2B",
        "a~b",
        "%F0%9F%98%80",
    ];
    let header_names = [
        "X-Custom",
        "Accept",
        "X-Amz-Meta-Tag",
        "Content-Type",
        "X-Trace",
        "Range",
    ];
    let header_values = [
        "text/plain",
        "a  b",
        "x;y=z",
        "UPPER lower",
        "bytes=0-9",
        "!#$%&'*+-.^_`|~",
        "\"quoted\"",
    ];
    let sets = ["us-east-1", "*", "us-east-1,us-west-2", "us-*"];
    let mut cases = Vec::with_capacity(RANDOM_CASES);
    for i in 0..RANDOM_CASES {
        let presign = i % 3 == 2;
        let s3 = rng.below(4) == 0;
        let method = if presign {
            rng.pick(&["GET", "PUT", "DELETE", "HEAD"])
        } else {
            rng.pick(&["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
        };
        let segs: Vec<&str> = (0..rng.below(5)).map(|_| rng.pick(&segments)).collect();
        let mut path = format!("/{}", segs.join("/"));
        if !segs.is_empty() && rng.below(4) == 0 {
            path.push('/');
        }
        let mut query: Vec<(String, String)> = Vec::new();
        for _ in 0..rng.below(5) {
            let k = rng.pick(&keys).to_string();
            if presign && query.iter().any(|(q, _)| *q == k) {
                continue;
            }
            query.push((k, rng.pick(&values).to_string()));
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        for _ in 0..rng.below(4) {
            let name = rng.pick(&header_names);
            if headers.iter().any(|(n, _)| n == name) {
                continue;
            }
            headers.push((name.to_string(), rng.pick(&header_values).to_string()));
        }
        let body = if presign || method == "GET" || rng.below(3) == 0 {
            vec![]
        } else {
            (0..1 + rng.below(120)).map(|_| rng.next() as u8).collect()
        };
        let origin = format!(
            "{}://{}{}",
            rng.pick(&["https", "https", "http"]),
            if s3 {
                "bucket.s3.amazonaws.com"
            } else {
                rng.pick(&["example.amazonaws.com", "localhost", "10.0.0.1"])
            },
            rng.pick(&["", "", ":8443", ":9000"]),
        );
        cases.push(Case {
            presign: presign.then(|| 1 + rng.below(604_800)),
            s3,
            method: method.into(),
            origin,
            path,
            query: query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
            headers,
            body,
            secret: rng.text(&format!("{ALNUM}/+"), 20, 40),
            token: (rng.below(2) == 0).then(|| rng.text(&format!("{ALNUM}/+="), 16, 64)),
            region_set: rng.pick(&sets).into(),
            unix: 1_500_000_000 + rng.below(400_000_000),
        });
    }
    cases
}

/// Runs the script; `None` (after a skip message) when botocore or awscrt is missing outside CI.
fn run_botocore_crt(cases: &[Case]) -> Option<Vec<Value>> {
    let mut probe = Command::new("python3");
    probe.args(["-c", "import botocore.auth, botocore.crt.auth, awscrt"]);
    let tool = "python3 with botocore and awscrt";
    if !peer::available(tool, &mut probe, ".ci/run installs them") {
        return None;
    }
    let input = Value::Array(cases.iter().map(Case::to_json).collect()).to_string();
    let output = peer::run_python(SCRIPT, &input, "the botocore CRT script");
    Some(serde_json::from_slice(&output).unwrap())
}

/// A request as botocore signed it.
#[derive(Clone, Debug)]
struct Signed {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Signed {
    fn from_json(v: &Value) -> Signed {
        let url = v["url"].as_str().unwrap();
        let rest = url.split_once("://").unwrap().1;
        let target = &rest[rest.find('/').unwrap_or(rest.len())..];
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Signed {
            method: v["method"].as_str().unwrap().into(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            query: query.into(),
            headers: v["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
                .collect(),
            body: unhex(v["body_hex"].as_str().unwrap()),
        }
    }

    fn request(&self) -> http::Request<()> {
        let target = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let mut b = http::Request::builder()
            .method(self.method.as_str())
            .uri(target);
        for (n, v) in &self.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(()).unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
    }

    /// The signed header names, from the Authorization header or `X-Amz-SignedHeaders`.
    fn signed_headers(&self) -> Vec<String> {
        let list = match self.header("authorization") {
            Some(a) => a
                .split("SignedHeaders=")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap()
                .to_string(),
            None => self
                .query_param("X-Amz-SignedHeaders")
                .unwrap()
                .replace("%3B", ";"),
        };
        list.split(';').map(String::from).collect()
    }
}

/// Changes the last letter or digit of `s` outside percent escapes to another of its kind (a
/// hex digit to another hex digit when `hex_only`); `None` when there is none.
fn bump(s: &str, hex_only: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let escaped = |i: usize| (i >= 1 && bytes[i - 1] == b'%') || (i >= 2 && bytes[i - 2] == b'%');
    let at = (0..bytes.len())
        .rev()
        .find(|&i| bytes[i].is_ascii_alphanumeric() && !escaped(i))?;
    let c = bytes[at];
    let new = match c {
        b'9' => b'0',
        b'f' if hex_only => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        _ => c + 1,
    };
    let mut out = bytes.to_vec();
    out[at] = new;
    Some(String::from_utf8(out).unwrap())
}

/// `bump` for the value of `name`; an `X-Amz-Date` keeps its trailing `Z` (a second changes).
fn bump_value(name: &str, value: &str) -> Option<String> {
    if name.eq_ignore_ascii_case("x-amz-date") {
        let digits = value.strip_suffix('Z')?;
        return bump(digits, false).map(|d| format!("{d}Z"));
    }
    bump(value, false)
}

/// One-byte changes of every signed part of `signed`: (what, tampered request).
fn tamperings(signed: &Signed) -> Vec<(String, Signed)> {
    let mut out = Vec::new();
    let mut push = |what: String, f: &dyn Fn(&mut Signed) -> bool| {
        let mut t = signed.clone();
        if f(&mut t) {
            out.push((what, t));
        }
    };
    push("signature".into(), &|t| {
        if let Some(sig) = t.query_param("X-Amz-Signature") {
            let new = bump(sig, true).unwrap();
            t.query = t.query.replace(
                &format!("X-Amz-Signature={sig}"),
                &format!("X-Amz-Signature={new}"),
            );
        } else {
            let h = t
                .headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .unwrap();
            h.1 = bump(&h.1, true).unwrap();
        }
        true
    });
    push("method".into(), &|t| {
        t.method = bump(&t.method, false).unwrap();
        true
    });
    push("path".into(), &|t| match bump(&t.path, false) {
        Some(p) => {
            t.path = p;
            true
        }
        None => false,
    });
    let params: Vec<String> = signed
        .query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("X-Amz-Signature="))
        .map(String::from)
        .collect();
    for (i, p) in params.iter().enumerate() {
        let (name, value) = p.split_once('=').unwrap_or((p, ""));
        let what = format!("query parameter {name}");
        push(what, &|t| {
            let new = match bump_value(name, value) {
                Some(v) => format!("{name}={v}"),
                None => match bump(name, false) {
                    Some(n) => format!("{n}={value}"),
                    None => return false,
                },
            };
            let mut pieces: Vec<String> = t.query.split('&').map(String::from).collect();
            let at = pieces
                .iter()
                .enumerate()
                .filter(|(_, q)| !q.is_empty() && !q.starts_with("X-Amz-Signature="))
                .nth(i)
                .unwrap()
                .0;
            pieces[at] = new;
            t.query = pieces.join("&");
            true
        });
    }
    for name in signed.signed_headers() {
        push(format!("header {name}"), &|t| {
            let Some(h) = t
                .headers
                .iter_mut()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            else {
                return false;
            };
            match bump_value(&name, &h.1) {
                Some(v) => {
                    h.1 = v;
                    true
                }
                None => false,
            }
        });
    }
    push("body".into(), &|t| match t.body.last_mut() {
        Some(b) => {
            *b ^= 1;
            true
        }
        None => false,
    });
    out
}

#[test]
fn requests_signed_by_botocore_crt_sigv4a_verify_and_changed_copies_do_not() {
    let fixed = fixed_cases();
    let random = random_cases();
    let cases: Vec<Case> = fixed.iter().chain(&random).cloned().collect();
    let Some(results) = run_botocore_crt(&cases) else {
        return;
    };
    assert_eq!(results.len(), cases.len());

    let mut failures = Vec::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let (mut accepted, mut tampered, mut presigned, mut with_token) = (0, 0, 0, 0);
    for (i, (case, result)) in cases.iter().zip(&results).enumerate() {
        let label = if i < fixed.len() {
            format!("fixed case {i}")
        } else {
            format!("random case {}", i - fixed.len())
        };
        if let Some(err) = result.get("error") {
            failures.push(format!("{label}: botocore raised {err}\n{case:#?}"));
            continue;
        }
        let signed = Signed::from_json(result);
        let v = case.verifier();
        match v.verify_at(&signed.request(), Payload::Bytes(&signed.body), case.now()) {
            Ok(verified) => {
                accepted += 1;
                presigned += usize::from(verified.is_presigned());
                with_token += usize::from(verified.has_session_token());
                if verified.region_set() != Some(case.region_set.as_str()) {
                    failures.push(format!(
                        "{label}: region set {:?}, signed {:?}",
                        verified.region_set(),
                        case.region_set
                    ));
                }
                if verified.is_presigned() != case.presign.is_some() {
                    failures.push(format!("{label}: presigned form not as signed"));
                }
            }
            Err(e) => {
                failures.push(format!(
                    "{label}: refused {e:?}\n  sigv4x canonical request:\n{}\n{signed:#?}\n{case:#?}",
                    e.mismatch()
                        .map(|m| m.canonical_request().to_string())
                        .unwrap_or_default(),
                ));
                continue;
            }
        }
        for (what, t) in tamperings(&signed) {
            tampered += 1;
            match v.verify_at(&t.request(), Payload::Bytes(&t.body), case.now()) {
                Ok(_) => failures.push(format!(
                    "{label}: accepted with one byte of the {what} changed\n{t:#?}"
                )),
                Err(e) => {
                    let kind = format!("{e:?}");
                    let kind = kind.split([' ', '(', '{']).next().unwrap().to_string();
                    *refused
                        .entry(format!("{kind} <- {}", what.split(' ').next().unwrap()))
                        .or_default() += 1;
                }
            }
        }
    }
    eprintln!(
        "botocore CRT SigV4a: {} fixed and {} random requests, {accepted} verified \
         ({presigned} presigned, {with_token} with a session token); {tampered} one-byte \
         changes refused as {refused:?}",
        fixed.len(),
        random.len(),
    );
    assert!(
        failures.is_empty(),
        "{} failures over {} requests:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn bump_changes_one_byte_outside_escapes() {
    assert_eq!(bump("/a%20", false).as_deref(), Some("/b%20"));
    assert_eq!(bump("%E2%82%AC", false), None);
    assert_eq!(bump("3045f", true).as_deref(), Some("30450"));
    assert_eq!(bump("GET", false).as_deref(), Some("GEU"));
    assert_eq!(
        bump("us-east-1,us-west-2", false).as_deref(),
        Some("us-east-1,us-west-3")
    );
}
