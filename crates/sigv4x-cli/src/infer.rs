//! The region and service (signing name) of a request, from the AWS host name it is sent to.
//!
//! AWS's host names carry both where its naming allows: `{api}.execute-api.{region}.amazonaws.com`,
//! `{url-id}.lambda-url.{region}.on.aws`, `{bucket}.s3.{region}.amazonaws.com`,
//! `{service}.{region}.amazonaws.com`. Where they do not (an IP address, a custom domain), the
//! caller must say.

/// What a host name tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inferred {
    /// The region.
    pub region: String,
    /// The signing name.
    pub service: String,
    /// The host is a VPC interface endpoint's own name (`…vpce.amazonaws.com`): for API
    /// Gateway the request must name its API (`x-apigw-api-id`, or a `Host` of the API).
    pub vpce: bool,
}

/// The region and service of `host` (lower or mixed case, with or without a port), or `None`
/// for a host whose name does not carry them.
pub fn infer(host: &str) -> Option<Inferred> {
    let host = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
    let (labels, suffix) = split_suffix(&host)?;
    let n = labels.len();
    let at = |i: usize| labels.get(i).copied();
    let found = |region: &str, service: &str, vpce: bool| {
        Some(Inferred {
            region: region.to_owned(),
            service: signing_name(service, &labels).to_owned(),
            vpce,
        })
    };

    // Lambda function URLs: {url-id}.lambda-url.{region}.on.aws
    if suffix == Suffix::OnAws {
        return match (n, at(n.wrapping_sub(2)), at(n.wrapping_sub(1))) {
            (3, Some("lambda-url"), Some(region)) if is_region(region) => {
                found(region, "lambda", false)
            }
            _ => None,
        };
    }
    // VPC interface endpoint names: {vpce-dns}.{service}.{region}.vpce.amazonaws.com
    if n >= 3 && at(n - 1) == Some("vpce") {
        let (service, region) = (at(n - 3)?, at(n - 2)?);
        return is_region(region).then(|| Inferred {
            region: region.to_owned(),
            service: signing_name(service, &labels).to_owned(),
            vpce: true,
        });
    }
    if let Some(s3) = infer_s3(&labels) {
        return Some(s3);
    }
    match n {
        // Global endpoints: iam.amazonaws.com, sts.amazonaws.com, route53.amazonaws.com …
        1 => {
            let region = if suffix == Suffix::China {
                "cn-north-1"
            } else {
                "us-east-1"
            };
            found(region, labels.first()?, false)
        }
        _ => {
            let (second, last) = (at(n - 2)?, at(n - 1)?);
            if is_region(last) {
                // {api}.execute-api.{region}, {service}.{region}, runtime.sagemaker.{region} …
                found(last, second, false)
            } else if is_region(second) && matches!(last, "es" | "aoss") {
                // OpenSearch: {domain}.{region}.es.amazonaws.com
                found(second, last, false)
            } else {
                None
            }
        }
    }
}

/// S3, virtual-host and path styles, with the dual-stack, FIPS, access point and legacy
/// `s3-{region}` forms. Bucket names may contain dots, so the `s3` label is looked for from
/// the right.
fn infer_s3(labels: &[&str]) -> Option<Inferred> {
    let i = labels
        .iter()
        .rposition(|l| *l == "s3" || l.starts_with("s3-"))?;
    let label = labels.get(i)?;
    let mut rest = labels.get(i + 1..)?.iter().copied();
    let mut next = rest.next();
    if next == Some("dualstack") {
        next = rest.next();
    }
    let region = match (*label, next) {
        (_, Some(region)) if is_region(region) && rest.next().is_none() => region.to_owned(),
        ("s3" | "s3-external-1", None) => "us-east-1".to_owned(),
        (legacy, None) => {
            let region = legacy.strip_prefix("s3-")?;
            if !is_region(region) {
                return None;
            }
            region.to_owned()
        }
        _ => return None,
    };
    Some(Inferred {
        region,
        service: "s3".to_owned(),
        vpce: false,
    })
}

/// Where an endpoint prefix and the signing name differ.
fn signing_name<'a>(prefix: &'a str, labels: &[&str]) -> &'a str {
    match prefix {
        "email" => "ses",
        "bedrock-runtime" | "bedrock-agent" | "bedrock-agent-runtime" => "bedrock",
        "aps-workspaces" => "aps",
        "runtime-v2-lex" => "lex",
        // {prefix}-ats.iot.{region}: the data plane; iot.{region}: the control plane.
        "iot" if labels.len() > 2 => "iotdata",
        _ => prefix,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Suffix {
    Aws,
    China,
    OnAws,
}

fn split_suffix(host: &str) -> Option<(Vec<&str>, Suffix)> {
    let (rest, suffix) = if let Some(rest) = host.strip_suffix(".amazonaws.com") {
        (rest, Suffix::Aws)
    } else if let Some(rest) = host.strip_suffix(".amazonaws.com.cn") {
        (rest, Suffix::China)
    } else if let Some(rest) = host.strip_suffix(".api.aws") {
        (rest, Suffix::Aws)
    } else if let Some(rest) = host.strip_suffix(".on.aws") {
        (rest, Suffix::OnAws)
    } else {
        return None;
    };
    let labels: Vec<&str> = rest.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    Some((labels, suffix))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: at least three dash-separated
/// parts of lower-case letters and digits, the first two letters, the last a number.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// The host without its port (`[::1]:443` → `[::1]`).
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').and_then(|i| host.get(..=i)).unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(host: &str) -> Option<(String, String)> {
        infer(host).map(|i| (i.region, i.service))
    }

    fn pair(region: &str, service: &str) -> Option<(String, String)> {
        Some((region.to_owned(), service.to_owned()))
    }

    #[test]
    fn execute_api() {
        let want = pair("us-east-1", "execute-api");
        assert_eq!(rs("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"), want);
        assert_eq!(
            rs("A1B2C3D4E5.execute-api.us-east-1.amazonaws.com:443"),
            want
        );
        assert_eq!(
            rs("a1b2c3d4e5-vpce-0a1b2c3d4e5f60718.execute-api.us-east-1.amazonaws.com"),
            want
        );
        let vpce =
            infer("vpce-0a1b2c3d4e5f60718-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com");
        assert_eq!(
            vpce,
            Some(Inferred {
                region: "us-east-1".into(),
                service: "execute-api".into(),
                vpce: true
            })
        );
        assert_eq!(
            rs("vpce-0a1b-abcd-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com"),
            want
        );
    }

    #[test]
    fn lambda_urls() {
        assert_eq!(
            rs("abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws"),
            pair("eu-west-1", "lambda")
        );
        assert_eq!(rs("example.on.aws"), None);
    }

    #[test]
    fn s3_styles() {
        let s3 = |r: &str| pair(r, "s3");
        assert_eq!(rs("examplebucket.s3.amazonaws.com"), s3("us-east-1"));
        assert_eq!(rs("s3.amazonaws.com"), s3("us-east-1"));
        assert_eq!(
            rs("examplebucket.s3.eu-west-3.amazonaws.com"),
            s3("eu-west-3")
        );
        assert_eq!(
            rs("my.dotted.bucket.s3.eu-west-3.amazonaws.com"),
            s3("eu-west-3")
        );
        assert_eq!(rs("s3.eu-west-3.amazonaws.com"), s3("eu-west-3"));
        assert_eq!(
            rs("b.s3.dualstack.ap-south-1.amazonaws.com"),
            s3("ap-south-1")
        );
        assert_eq!(rs("b.s3-us-west-2.amazonaws.com"), s3("us-west-2"));
        assert_eq!(rs("b.s3-external-1.amazonaws.com"), s3("us-east-1"));
        assert_eq!(
            rs("ap-111122223333.s3-accesspoint.us-east-2.amazonaws.com"),
            s3("us-east-2")
        );
        assert_eq!(
            rs("b.s3-fips.us-gov-west-1.amazonaws.com"),
            s3("us-gov-west-1")
        );
        assert_eq!(rs("b.s3-website-us-east-1.amazonaws.com"), None);
        assert_eq!(
            rs("iot.us-east-1.amazonaws.com"),
            Some(("us-east-1".into(), "iot".into()))
        );
        assert_eq!(rs("b.s3.cn-north-1.amazonaws.com.cn"), s3("cn-north-1"));
        assert_eq!(
            rs("bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com"),
            s3("us-east-1")
        );
    }

    #[test]
    fn services() {
        assert_eq!(rs("sqs.us-west-2.amazonaws.com"), pair("us-west-2", "sqs"));
        assert_eq!(rs("iam.amazonaws.com"), pair("us-east-1", "iam"));
        assert_eq!(rs("sts.amazonaws.com"), pair("us-east-1", "sts"));
        assert_eq!(
            rs("sts.us-gov-west-1.amazonaws.com"),
            pair("us-gov-west-1", "sts")
        );
        assert_eq!(
            rs("runtime.sagemaker.us-east-1.amazonaws.com"),
            pair("us-east-1", "sagemaker")
        );
        assert_eq!(
            rs("bedrock-runtime.us-east-1.amazonaws.com"),
            pair("us-east-1", "bedrock")
        );
        assert_eq!(
            rs("email.eu-west-1.amazonaws.com"),
            pair("eu-west-1", "ses")
        );
        assert_eq!(
            rs("search-orders-abc123.eu-west-1.es.amazonaws.com"),
            pair("eu-west-1", "es")
        );
        assert_eq!(
            rs("abc123.us-east-1.aoss.amazonaws.com"),
            pair("us-east-1", "aoss")
        );
        assert_eq!(
            rs("a1b2-ats.iot.us-east-1.amazonaws.com"),
            pair("us-east-1", "iotdata")
        );
        assert_eq!(
            rs("data-ats.iot.us-east-1.amazonaws.com"),
            pair("us-east-1", "iotdata")
        );
    }

    #[test]
    fn not_inferable() {
        for host in [
            "127.0.0.1:8080",
            "[::1]:443",
            "localhost",
            "api.example.com",
            "amazonaws.com",
            "x..amazonaws.com",
            "foo.notaregion.amazonaws.com",
            "evil-amazonaws.com",
        ] {
            assert_eq!(rs(host), None, "{host}");
        }
    }

    #[test]
    fn regions() {
        for r in [
            "us-east-1",
            "us-gov-west-1",
            "cn-northwest-1",
            "eu-central-2",
        ] {
            assert!(is_region(r), "{r}");
        }
        for r in [
            "us-east",
            "east-1",
            "us-east-1a",
            "US-EAST-1",
            "1-us-east",
            "s3",
        ] {
            assert!(!is_region(r), "{r}");
        }
    }
}
