//! The texts a person compares when a signature does not match: the canonical request and the
//! string to sign, written by the same code that feeds the hashes. The signer's
//! [`SigningReport`](crate::SigningReport) and the verifier's [`Mismatch`](crate::Mismatch) are
//! both built here.

use crate::canonical::encode::{write_encoded, Encoding};
use crate::canonical::CanonicalRequest;
use crate::string_to_sign::StringToSign;

/// What to redact in the texts: the verifier hands its texts to the client that failed, and
/// never echoes a session token.
const REDACTED: &str = "<redacted>";

/// The canonical request and string to sign of one signing, as text.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Explanation {
    pub(crate) canonical_request: String,
    pub(crate) string_to_sign: String,
}

impl Explanation {
    /// The texts of `creq` and `sts`.
    pub(crate) fn of(creq: &CanonicalRequest<'_>, sts: &StringToSign<'_>) -> Self {
        let mut string_to_sign = Vec::with_capacity(160);
        sts.write(&mut string_to_sign);
        Explanation {
            canonical_request: creq.to_text(),
            string_to_sign: String::from_utf8_lossy(&string_to_sign).into_owned(),
        }
    }

    /// The same texts with the session token, as sent and as encoded in the canonical query,
    /// replaced by `<redacted>`.
    pub(crate) fn redacting(mut self, token: Option<&str>) -> Self {
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            let creq = self.canonical_request.replace(token, REDACTED);
            let mut encoded = Vec::new();
            write_encoded(&mut encoded, token.as_bytes(), Encoding::PLAIN);
            self.canonical_request = creq.replace(&*String::from_utf8_lossy(&encoded), REDACTED);
        }
        self
    }
}
