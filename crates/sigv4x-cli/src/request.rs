//! The request to sign, as curl's flags describe it: method, URL, headers and body, in the
//! order and form they are sent.

use std::io::Read;
use std::path::Path;

use crate::args::RequestArgs;
use crate::error::CliError;

/// The default `User-Agent` (never signed: proxies rewrite it).
pub const USER_AGENT: &str = concat!("sigv4x/", env!("CARGO_PKG_VERSION"));

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

/// A request exactly as it will be sent.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    /// The method.
    pub method: String,
    /// The scheme of the URL.
    pub scheme: Scheme,
    /// The host to connect to (from the URL, IPv6 literals in brackets).
    pub host: String,
    /// The port to connect to.
    pub port: u16,
    /// The path exactly as given, percent-encoding included.
    pub path: String,
    /// The query exactly as given, without `?`.
    pub query: String,
    /// The headers in the order sent, `Host` first.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Sign `UNSIGNED-PAYLOAD` rather than the body's hash.
    pub unsigned_payload: bool,
    /// The payload line exactly as declared in `x-amz-content-sha256`, when a request is
    /// signed again as it was sent (`explain`).
    pub payload_hash: Option<String>,
}

impl RequestSpec {
    /// The value of header `name` (the last one given), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request target: the path and query.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

/// The parts of a URL that matter here.
#[derive(Clone, Debug)]
pub struct Url {
    /// The scheme.
    pub scheme: Scheme,
    /// The host (IPv6 literals in brackets).
    pub host: String,
    /// The port given or the scheme's default.
    pub port: u16,
    /// Whether the port was given and is not the scheme's default (then `Host` carries it).
    pub explicit_port: bool,
    /// The path, `/` if empty.
    pub path: String,
    /// The query without `?`.
    pub query: String,
}

impl Url {
    /// The `Host` header value for this URL.
    pub fn host_header(&self) -> String {
        if self.explicit_port {
            format!("{}:{}", self.host, self.port)
        } else {
            self.host.clone()
        }
    }
}

/// Parses `text` as curl does the URLs it is given: `http://` is assumed without a scheme.
///
/// # Errors
/// A usage error naming the URL when it does not parse or its scheme is not HTTP(S).
pub fn parse_url(text: &str) -> Result<Url, CliError> {
    let bad = |why: &str| CliError::usage(format!("URL `{text}` does not parse: {why}"));
    let full = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let uri: http::Uri = full
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => Scheme::Http,
        Some(s) if s.eq_ignore_ascii_case("https") => Scheme::Https,
        Some(other) => return Err(bad(&format!("scheme `{other}` is not http or https"))),
        None => return Err(bad("no scheme")),
    };
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("user information in URLs is not supported"));
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let default = match scheme {
        Scheme::Http => 80,
        Scheme::Https => 443,
    };
    let port = uri.port_u16().unwrap_or(default);
    let path = match uri.path() {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Ok(Url {
        scheme,
        host: host.to_owned(),
        port,
        explicit_port: port != default,
        path,
        query: uri.query().unwrap_or_default().to_owned(),
    })
}

/// One `-H` argument: `Some((name, Some(value)))` to send, `Some((name, None))` to remove a
/// default header (`Name:`), as curl does; `Name;` sends the header empty.
///
/// # Errors
/// A usage error for a header without a colon, or with a name or value that cannot be sent.
pub fn parse_header(text: &str) -> Result<(String, Option<String>), CliError> {
    let (name, value) = if let Some((name, value)) = text.split_once(':') {
        let value = value.trim();
        (name, (!value.is_empty()).then(|| value.to_owned()))
    } else if let Some(name) = text.strip_suffix(';') {
        (name, Some(String::new()))
    } else {
        return Err(CliError::usage(format!(
            "header `{text}` has no colon: write it as 'Name: value'"
        )));
    };
    let name = name.trim();
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(CliError::usage(format!(
            "header `{text}`: `{name}` is not a valid header name"
        )));
    }
    if let Some(v) = &value {
        if http::HeaderValue::from_str(v).is_err() {
            return Err(CliError::usage(format!(
                "header `{name}`: the value contains characters that cannot be sent"
            )));
        }
    }
    Ok((name.to_owned(), value))
}

/// Builds the request `args` describe, reading data files and standard input as asked.
///
/// # Errors
/// Usage errors for a missing or bad URL or header; a runtime error for a file that cannot be
/// read.
pub fn from_args(args: &RequestArgs) -> Result<RequestSpec, CliError> {
    let url_text = args
        .url
        .as_deref()
        .ok_or_else(|| CliError::usage("no URL given"))?;
    let url = parse_url(url_text)?;

    let mut body = Vec::new();
    let mut has_data = false;
    let mut form = false;
    let mut add = |part: Vec<u8>, body: &mut Vec<u8>| {
        if has_data {
            body.push(b'&');
        }
        has_data = true;
        body.extend_from_slice(&part);
    };
    for d in &args.data {
        let part = match d.strip_prefix('@') {
            // curl -d @FILE drops carriage returns and newlines.
            Some(file) => read_data(file)?
                .into_iter()
                .filter(|b| !matches!(b, b'\r' | b'\n'))
                .collect(),
            None => d.as_bytes().to_vec(),
        };
        form = true;
        add(part, &mut body);
    }
    for d in &args.data_raw {
        form = true;
        add(d.as_bytes().to_vec(), &mut body);
    }
    for d in &args.data_binary {
        let part = match d.strip_prefix('@') {
            Some(file) => read_data(file)?,
            None => d.as_bytes().to_vec(),
        };
        form = true;
        add(part, &mut body);
    }
    let upload = match &args.upload_file {
        Some(path) => {
            if has_data {
                return Err(CliError::usage(
                    "-T cannot be combined with -d or --data-binary",
                ));
            }
            body = read_data(&path.to_string_lossy())?;
            true
        }
        None => false,
    };

    let method = match &args.method {
        Some(m) => {
            if http::Method::from_bytes(m.as_bytes()).is_err() {
                return Err(CliError::usage(format!(
                    "method `{m}` is not an HTTP token"
                )));
            }
            m.clone()
        }
        None if upload => "PUT".to_owned(),
        None if has_data => "POST".to_owned(),
        None => "GET".to_owned(),
    };

    // Defaults first, as curl sends them; -H replaces or removes them.
    let mut headers: Vec<(String, String)> = vec![
        ("Host".to_owned(), url.host_header()),
        (
            "User-Agent".to_owned(),
            args.user_agent
                .clone()
                .unwrap_or_else(|| USER_AGENT.to_owned()),
        ),
        ("Accept".to_owned(), "*/*".to_owned()),
    ];
    if form && !upload {
        headers.push((
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ));
    }
    let mut replaced: Vec<String> = Vec::new();
    for h in &args.headers {
        let (name, value) = parse_header(h)?;
        let lower = name.to_ascii_lowercase();
        // The first -H of a name replaces the default; later ones add values.
        if !replaced.contains(&lower) {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
            replaced.push(lower.clone());
        }
        match value {
            Some(value) if lower == "host" => headers.insert(0, (name, value)),
            Some(value) => headers.push((name, value)),
            None => {}
        }
    }
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        return Err(CliError::usage(
            "the Host header cannot be removed: SigV4 signs it",
        ));
    }

    Ok(RequestSpec {
        method,
        scheme: url.scheme,
        host: url.host,
        port: url.port,
        path: url.path,
        query: url.query,
        headers,
        body,
        unsigned_payload: args.unsigned_payload,
        payload_hash: None,
    })
}

/// The contents of a data file, `-` for standard input.
fn read_data(file: &str) -> Result<Vec<u8>, CliError> {
    if file == "-" {
        let mut data = Vec::new();
        std::io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| CliError::runtime(format!("cannot read standard input: {e}")))?;
        return Ok(data);
    }
    std::fs::read(Path::new(file))
        .map_err(|e| CliError::runtime(format!("cannot read data file `{file}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_like_curl() {
        assert_eq!(
            parse_header("X-Custom:  one ").unwrap(),
            ("X-Custom".into(), Some("one".into()))
        );
        assert_eq!(parse_header("Accept:").unwrap(), ("Accept".into(), None));
        assert_eq!(
            parse_header("X-Empty;").unwrap(),
            ("X-Empty".into(), Some(String::new()))
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
        assert_eq!(parse_header("no colon").unwrap_err().code, 2);
    }

    #[test]
    fn urls() {
        let u =
            parse_url("https://abc.execute-api.us-east-1.amazonaws.com/prod/orders?a=1").unwrap();
        assert_eq!(u.scheme, Scheme::Https);
        assert_eq!(u.port, 443);
        assert_eq!(u.host_header(), "abc.execute-api.us-east-1.amazonaws.com");
        assert_eq!((u.path.as_str(), u.query.as_str()), ("/prod/orders", "a=1"));
        let u = parse_url("127.0.0.1:8080").unwrap();
        assert_eq!((u.scheme, u.path.as_str()), (Scheme::Http, "/"));
        assert_eq!(u.host_header(), "127.0.0.1:8080");
        let u = parse_url("http://[::1]:9000/x").unwrap();
        assert_eq!(u.host_header(), "[::1]:9000");
        for bad in [
            "http://",
            "ftp://example.com/",
            "http://exa mple.com/",
            "http://u:p@h/",
        ] {
            assert_eq!(parse_url(bad).unwrap_err().code, 2, "{bad}");
        }
    }
}
