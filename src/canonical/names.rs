//! The header and query parameter names SigV4 adds to a request, kept with the canonical request
//! they end up in: the signer writes them and the verifier looks for them.

/// The signing time header.
pub(crate) const X_AMZ_DATE: &str = "x-amz-date";
/// The session token header.
pub(crate) const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
/// The payload hash header.
pub(crate) const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
/// SigV4a's region set, signed as a header.
pub(crate) const X_AMZ_REGION_SET: &str = "x-amz-region-set";

/// The query parameters of a presigned URL.
pub(crate) mod param {
    pub(crate) const ALGORITHM: &str = "X-Amz-Algorithm";
    pub(crate) const CREDENTIAL: &str = "X-Amz-Credential";
    pub(crate) const DATE: &str = "X-Amz-Date";
    pub(crate) const EXPIRES: &str = "X-Amz-Expires";
    pub(crate) const SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
    pub(crate) const SECURITY_TOKEN: &str = "X-Amz-Security-Token";
    pub(crate) const SIGNATURE: &str = "X-Amz-Signature";
    /// SigV4a only; not in [`ALL`].
    pub(crate) const REGION_SET: &str = "X-Amz-Region-Set";
    pub(crate) const ALL: [&str; 7] = [
        ALGORITHM,
        CREDENTIAL,
        DATE,
        EXPIRES,
        SIGNED_HEADERS,
        SECURITY_TOKEN,
        SIGNATURE,
    ];
}
