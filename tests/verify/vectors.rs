//! Runs the hostile-request vectors in vectors/verify/hostile.json: each case is signed (or
//! not), edited as an attacker or a broken proxy would, verified, and must get the expected
//! error code, HTTP status and message, or be accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use sigv4x::{
    AmzDate, Credentials, Payload, RawRequest, Signer, SigningSettings, StoredKey, VerifiedPayload,
    Verifier,
};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/verify/hostile.json");
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn raw<'a>(&'a self, pairs: &'a mut Vec<(&'a str, &'a str)>) -> RawRequest<'a> {
        *pairs = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        RawRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: pairs,
        }
    }

    fn header_mut(&mut self, name: &str) -> Option<&mut String> {
        self.headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

fn time(v: Option<&Value>, default: &str) -> std::time::SystemTime {
    let text = v.map_or(default.to_string(), s);
    AmzDate::parse(text.as_bytes()).unwrap().to_system_time()
}

fn request_of(case: &Value) -> Req {
    let r = &case["request"];
    let headers = match r["headers"].as_array() {
        Some(list) => list.iter().map(|h| (s(&h[0]), s(&h[1]))).collect(),
        None => vec![("Host".to_string(), "example.amazonaws.com".to_string())],
    };
    Req {
        method: r["method"].as_str().unwrap_or("GET").into(),
        path: r["path"].as_str().unwrap_or("/").into(),
        query: r["query"].as_str().unwrap_or("").into(),
        headers,
        body: r["body"].as_str().unwrap_or("").as_bytes().to_vec(),
    }
}

fn sign(case: &Value, req: &mut Req) {
    let sign = &case["sign"];
    let form = sign["form"].as_str().unwrap();
    if form == "none" {
        return;
    }
    let s3 = sign["s3"].as_bool().unwrap_or(false);
    let settings = if s3 {
        SigningSettings::s3()
    } else {
        SigningSettings::default()
    };
    let signer = Signer::new(
        Credentials::new(
            sign["access_key_id"].as_str().unwrap_or(AKID),
            SECRET,
            sign["token"].as_str().map(String::from),
        ),
        sign["region"].as_str().unwrap_or("us-east-1"),
        sign["service"].as_str().unwrap_or("service"),
    )
    .with_settings(settings);
    let at = time(sign.get("at"), "20150830T123600Z");
    let declared = req
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-content-sha256"))
        .map(|(_, v)| v.clone());
    let body = req.body.clone();
    let payload = match sign["payload"].as_str() {
        Some("unsigned") => Payload::Unsigned,
        Some("declared") => Payload::Precomputed(declared.as_deref().unwrap()),
        _ => Payload::Bytes(&body),
    };
    let mut pairs = Vec::new();
    if form == "header" {
        let out = signer
            .sign_raw_at(&req.raw(&mut pairs), payload, at)
            .unwrap();
        let added: Vec<(String, String)> = out
            .headers()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        req.headers.extend(added);
    } else {
        let query = signer
            .presign_raw_at(&req.raw(&mut pairs), payload, Duration::from_secs(300), at)
            .unwrap();
        req.query = query;
    }
}

fn edit(op: &Value, req: &mut Req) {
    let args: Vec<&Value> = op.as_array().unwrap().iter().collect();
    let text = |i: usize| s(args[i]).replace("REPEAT100K", &"x".repeat(100 * 1024));
    match args[0].as_str().unwrap() {
        "add_header" => req.headers.push((text(1), text(2))),
        "set_header" => {
            req.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case(&text(1)));
            req.headers.push((text(1), text(2)));
        }
        "remove_header" => req
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(&text(1))),
        "replace_header" => {
            let v = req.header_mut(&text(1)).expect("header to edit");
            assert!(
                v.contains(&text(2)),
                "edit target {:?} not in {v:?}",
                text(2)
            );
            *v = v.replace(&text(2), &text(3));
        }
        "set_query" => req.query = text(1),
        "append_query" => {
            if !req.query.is_empty() {
                req.query.push('&');
            }
            req.query.push_str(&text(1));
        }
        "replace_query" => {
            assert!(
                req.query.contains(&text(1)),
                "{} not in {}",
                text(1),
                req.query
            );
            req.query = req.query.replace(&text(1), &text(2));
        }
        "set_method" => req.method = text(1),
        "set_path" => req.path = text(1),
        "set_body" => req.body = text(1).into_bytes(),
        "upper_signature" | "truncate_signature" => {
            let v = req.header_mut("authorization").unwrap();
            let at = v.find("Signature=").unwrap() + "Signature=".len();
            let (head, sig) = v.split_at(at);
            let sig = if args[0] == "upper_signature" {
                sig.to_ascii_uppercase()
            } else {
                sig[..args[1].as_u64().unwrap() as usize].to_string()
            };
            *v = format!("{head}{sig}");
        }
        other => panic!("unknown edit {other}"),
    }
}

fn verifier(case: &Value) -> Verifier<HashMap<String, StoredKey>> {
    let v = &case["verify"];
    let mut key = StoredKey::new(SECRET);
    if let Some(token) = v["store_token"].as_str() {
        key = key.with_session_token(token.to_owned());
    }
    let settings = if v["s3"].as_bool().unwrap_or(false) {
        SigningSettings::s3()
    } else {
        SigningSettings::default()
    };
    Verifier::new(HashMap::from([(AKID.to_string(), key)]))
        .region("us-east-1")
        .service("service")
        .settings(settings)
        .allow_unsigned_payload(v["allow_unsigned_payload"].as_bool().unwrap_or(false))
        .accept_non_normal_paths(v["accept_non_normal_paths"].as_bool().unwrap_or(false))
}

#[test]
fn every_hostile_vector_gets_its_expected_answer() {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "at least 30 vectors");
    let mut failures = Vec::new();
    for case in cases {
        let name = s(&case["name"]);
        let mut req = request_of(case);
        sign(case, &mut req);
        for op in case["then"].as_array().into_iter().flatten() {
            edit(op, &mut req);
        }
        let at = time(case["verify"].get("at"), "20150830T123600Z");
        let mut pairs = Vec::new();
        let body = req.body.clone();
        let got = verifier(case).verify_raw_at(&req.raw(&mut pairs), Payload::Bytes(&body), at);
        let expect = &case["expect"];
        let outcome = match (expect["ok"].as_bool().unwrap_or(false), got) {
            (true, Ok(v)) => match expect["payload"].as_str() {
                Some("Unsigned") if v.payload() != VerifiedPayload::Unsigned => {
                    Err(format!("accepted, but payload is {:?}", v.payload()))
                }
                _ => Ok(()),
            },
            (true, Err(e)) => Err(format!("refused: {e:?}")),
            (false, Ok(v)) => Err(format!("accepted: {v:?}")),
            (false, Err(e)) => {
                let message = e.to_string();
                let code_ok = expect["code"].as_str() == Some(e.code());
                let status_ok = expect["status"].as_u64() == Some(u64::from(e.http_status()));
                // With SigV4a compiled in (feature `sigv4a`), a SigV4 credential under the SigV4a
                // algorithm is refused as a malformed SigV4a credential: the same code and
                // status, another message.
                let v4a_build = cfg!(feature = "sigv4a") && name == "sigv4a-algorithm";
                let message_ok = v4a_build
                    || expect["message"]
                        .as_str()
                        .is_none_or(|m| message.contains(m));
                if code_ok && status_ok && message_ok {
                    Ok(())
                } else {
                    Err(format!(
                        "got {} {} {message:?}, expected {}",
                        e.code(),
                        e.http_status(),
                        expect
                    ))
                }
            }
        };
        if let Err(why) = outcome {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
