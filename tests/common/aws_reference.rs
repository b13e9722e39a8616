//! Signs with `aws-sigv4`, the official Rust signer, under settings equivalent to a sigv4x
//! `SigningSettings`, so tests and benchmarks can compare the two on the same requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody,
    SignableRequest, SignatureLocation, SigningSettings as AwsSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

pub struct Reference {
    pub identity: Identity,
    pub region: String,
    pub service: String,
    pub settings: AwsSettings,
}

pub fn aws_settings(ours: &sigv4x::SigningSettings, presign: Option<Duration>) -> AwsSettings {
    let mut s = AwsSettings::default();
    s.percent_encoding_mode = if ours.double_encode_path {
        PercentEncodingMode::Double
    } else {
        PercentEncodingMode::Single
    };
    s.uri_path_normalization_mode = if ours.normalize_path {
        UriPathNormalizationMode::Enabled
    } else {
        UriPathNormalizationMode::Disabled
    };
    s.payload_checksum_kind = if ours.content_sha256_header {
        PayloadChecksumKind::XAmzSha256
    } else {
        PayloadChecksumKind::NoHeader
    };
    s.session_token_mode = if ours.sign_session_token {
        SessionTokenMode::Include
    } else {
        SessionTokenMode::Exclude
    };
    s.excluded_headers = Some(
        ours.unsigned_headers
            .iter()
            .map(|h| Cow::Owned(h.to_string()))
            .collect(),
    );
    if let Some(expires) = presign {
        s.signature_location = SignatureLocation::QueryParams;
        s.expires_in = Some(expires);
    }
    s
}

impl Reference {
    pub fn new(
        creds: &sigv4x::Credentials,
        region: &str,
        service: &str,
        settings: &sigv4x::SigningSettings,
        presign: Option<Duration>,
    ) -> Self {
        let identity = aws_credential_types::Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token().map(String::from),
            None,
            "reference",
        )
        .into();
        Reference {
            identity,
            region: region.into(),
            service: service.into(),
            settings: aws_settings(settings, presign),
        }
    }

    /// Signs an http::Request in place the way aws-sigv4 users do; returns the signature.
    pub fn sign_request<B>(
        &self,
        request: &mut http::Request<B>,
        body: SignableBody<'_>,
        time: SystemTime,
    ) -> String {
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(self.settings.clone())
            .build()
            .unwrap()
            .into();
        let uri = request.uri().to_string();
        let signable = SignableRequest::new(
            request.method().as_str(),
            &uri,
            request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
            body,
        )
        .unwrap();
        let (instructions, signature) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(request);
        signature
    }
}
