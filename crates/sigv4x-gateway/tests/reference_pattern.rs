#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The reference pattern through the gateway over loopback: every layer's answer, as API
//! Gateway gives it, and as the audit log records it.

mod common;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::*;
use sigv4x_gateway::client::{send, Connection};
use sigv4x_gateway::{Gateway, Step, Verdict};

const ORDERS_ARN: &str = "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders";

#[tokio::test]
async fn lambda_role_through_its_endpoint_is_allowed_and_audited() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();

    let response = send(inside, signed(&LAMBDA, "GET", inside, "/prod/orders", ""))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.body(),
        &Bytes::from_static(br#"{"orders":[{"id":"7","status":"shipped"}]}"#)
    );
    let request_id = header(&response, "x-amzn-requestid");
    assert_eq!(request_id.len(), 36);
    assert!(!header(&response, "x-amz-apigw-id").is_empty());

    let record = gateway.audit().find(request_id).unwrap();
    assert_eq!(record.status, 200);
    assert_eq!(record.decided_by, Step::Handler);
    assert_eq!(record.principal.as_deref(), Some(LAMBDA_SESSION));
    assert_eq!(record.access_key_id.as_deref(), Some(LAMBDA.id));
    assert_eq!(record.source_vpce.as_deref(), Some(ENDPOINT));
    assert_eq!(record.resource_arn.as_deref(), Some(ORDERS_ARN));
    let verdicts: Vec<(Step, Verdict, Option<&str>)> = record
        .layers
        .iter()
        .map(|l| (l.layer, l.verdict, l.statement.as_deref()))
        .collect();
    assert_eq!(
        verdicts,
        [
            (Step::Route, Verdict::Allow, None),
            (Step::Authentication, Verdict::Allow, None),
            (
                Step::EndpointPolicy,
                Verdict::Allow,
                Some("AllowOrdersLambdaToInvokeOrdersApi")
            ),
            (
                Step::ResourcePolicy,
                Verdict::Allow,
                Some("AllowOrdersLambdaRole")
            ),
            (
                Step::IdentityPolicy,
                Verdict::Allow,
                Some("InvokeOrdersRoutes")
            ),
            (Step::Handler, Verdict::Allow, None),
        ]
    );
    // The JSON line carries the same.
    let line: serde_json::Value = serde_json::from_str(&record.to_json_line()).unwrap();
    assert_eq!(line["layers"][3]["statement"], "AllowOrdersLambdaRole");
    assert_eq!(line["principal"], LAMBDA_SESSION);
    gateway.shutdown().await;
}

#[tokio::test]
async fn signed_body_is_checked_and_route_parameters_match() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let post = signed(
        &LAMBDA,
        "POST",
        inside,
        "/prod/orders",
        r#"{"item":"book"}"#,
    );
    let response = send(inside, post.clone()).await.unwrap();
    assert_eq!(response.status(), 201);

    // The same headers over another body: the payload hash no longer matches.
    let (parts, _) = post.into_parts();
    let forged = http::Request::from_parts(parts, Bytes::from_static(br#"{"item":"car"}"#));
    let response = send(inside, forged).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "InvalidSignatureException"
    );

    let response = send(
        inside,
        signed(&LAMBDA, "GET", inside, "/prod/orders/42", ""),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let record = gateway.audit().last().unwrap();
    assert_eq!(record.route.as_deref(), Some("GET /orders/{id}"));
    assert_eq!(
        record.resource_arn.as_deref(),
        Some("arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders/42")
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn outside_the_endpoint_meets_the_resource_policy_deny() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let outside = gateway.address_for(None).unwrap();
    let response = send(outside, signed(&LAMBDA, "GET", outside, "/prod/orders", ""))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "AccessDeniedException"
    );
    assert_eq!(header(&response, "content-type"), "application/json");
    // Capital M for policy denies.
    assert_eq!(
        json(&response),
        serde_json::json!({"Message": format!(
            "User: {LAMBDA_SESSION} is not authorized to perform: execute-api:Invoke on \
             resource: {ORDERS_ARN} with an explicit deny"
        )})
    );
    let record = gateway.audit().last().unwrap();
    assert_eq!(record.decided_by, Step::ResourcePolicy);
    assert_eq!(record.source_vpce, None);
    let resource = record.layer(Step::ResourcePolicy).unwrap();
    assert_eq!(resource.verdict, Verdict::Deny);
    assert_eq!(
        resource.statement.as_deref(),
        Some("DenyOutsideExpectedEndpoint")
    );
    assert!(resource
        .detail
        .as_deref()
        .unwrap()
        .contains("aws:SourceVpce"));
    // No endpoint, so no endpoint policy.
    assert_eq!(
        record.layer(Step::EndpointPolicy).unwrap().verdict,
        Verdict::NotConsulted
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn another_role_and_a_tag_mismatch_stop_at_the_endpoint_policy() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    for (key, miss) in [
        (&REPORTING, "principal does not cover the caller"),
        (
            &LAMBDA_BILLING_TAG,
            "aws:PrincipalTag/Project does not hold",
        ),
    ] {
        let response = send(inside, signed(key, "GET", inside, "/prod/orders", ""))
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{}", key.id);
        assert_eq!(
            header(&response, "x-amzn-errortype"),
            "AccessDeniedException"
        );
        let message = json(&response)["Message"].as_str().unwrap().to_owned();
        assert!(message.starts_with("User: arn:aws:sts::111122223333:assumed-role/"));
        assert!(!message.contains("explicit deny"), "{message}");
        let record = gateway.audit().last().unwrap();
        assert_eq!(record.decided_by, Step::EndpointPolicy, "{}", key.id);
        let endpoint = record.layer(Step::EndpointPolicy).unwrap();
        assert_eq!(endpoint.verdict, Verdict::NoAllow);
        assert!(
            endpoint.detail.as_deref().unwrap().contains(miss),
            "{:?}",
            endpoint.detail
        );
    }
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_route_not_granted_is_an_identity_policy_implicit_deny() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let response = send(
        inside,
        signed(&LAMBDA, "GET", inside, "/prod/admin/stats", ""),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 403);
    let message = json(&response)["Message"].as_str().unwrap().to_owned();
    assert!(
        message.ends_with("because no identity-based policy allows the execute-api:Invoke action"),
        "{message}"
    );
    assert_eq!(
        gateway.audit().last().unwrap().decided_by,
        Step::IdentityPolicy
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn authentication_failures_answer_like_api_gateway() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let mut connection = Connection::open(inside).await.unwrap();

    // Skewed clock.
    let later = SystemTime::now() + Duration::from_secs(600);
    let response = connection
        .send(signed_at(&LAMBDA, "GET", inside, "/prod/orders", "", later))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "InvalidSignatureException"
    );
    let message = json(&response)["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Signature expired: "), "{message}");
    assert!(message.ends_with("+ 5 min.)"), "{message}");

    // Tampered signature: the message shows what the server computed.
    let mut request = signed(&LAMBDA, "GET", inside, "/prod/orders", "");
    let auth = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let tampered = format!(
        "{}{}",
        &auth[..auth.len() - 1],
        if auth.ends_with('0') { '1' } else { '0' }
    );
    request
        .headers_mut()
        .insert("authorization", tampered.parse().unwrap());
    let response = connection.send(request).await.unwrap();
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "InvalidSignatureException"
    );
    let message = json(&response)["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("The request signature we calculated does not match"));
    assert!(message
        .contains("The Canonical String for this request should have been\n'GET\n/prod/orders\n"));
    assert!(
        message.contains("x-amz-security-token:<redacted>"),
        "{message}"
    );
    assert!(!message.contains(LAMBDA.token));

    // Unknown key.
    let stranger = Key {
        id: "AKIASTRANGER00000001",
        secret: "x",
        token: "y",
    };
    let response = connection
        .send(signed(&stranger, "GET", inside, "/prod/orders", ""))
        .await
        .unwrap();
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "UnrecognizedClientException"
    );
    assert_eq!(
        json(&response),
        serde_json::json!({"message": "The security token included in the request is invalid."})
    );

    // A bearer token instead of SigV4.
    let bearer = http::Request::get(format!("http://{inside}/prod/orders"))
        .header("authorization", "Bearer abc")
        .body(Bytes::new())
        .unwrap();
    let response = connection.send(bearer).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "IncompleteSignatureException"
    );

    // No signature at all.
    let plain = http::Request::get(format!("http://{inside}/prod/orders"))
        .body(Bytes::new())
        .unwrap();
    let response = connection.send(plain).await.unwrap();
    assert_eq!(
        header(&response, "x-amzn-errortype"),
        "MissingAuthenticationTokenException"
    );
    assert_eq!(
        json(&response),
        serde_json::json!({"message": "Missing Authentication Token"})
    );
    assert_eq!(
        gateway.audit().last().unwrap().decided_by,
        Step::Authentication
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_stages_and_methods_are_missing_authentication_token_even_when_signed() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    for (method, path) in [
        ("GET", "/prod/invoices"),
        ("GET", "/dev/orders"),
        ("DELETE", "/prod/orders"),
        ("GET", "/"),
    ] {
        let response = send(inside, signed(&LAMBDA, method, inside, path, ""))
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{method} {path}");
        assert_eq!(
            header(&response, "x-amzn-errortype"),
            "MissingAuthenticationTokenException",
            "{method} {path}"
        );
        let record = gateway.audit().last().unwrap();
        assert_eq!(record.decided_by, Step::Route, "{method} {path}");
        // The signature was not even looked at.
        assert!(record.layer(Step::Authentication).is_none());
    }
    gateway.shutdown().await;
}

#[tokio::test]
async fn the_api_is_chosen_by_host_or_header_and_an_unknown_one_is_forbidden() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let signer = signer(&LAMBDA);
    for (host, header_id, status) in [
        ("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", None, 200),
        (
            "a1b2c3d4e5-vpce-0a1b2c3d4e5f60718.execute-api.us-east-1.vpce.amazonaws.com",
            None,
            200,
        ),
        ("zzzzzzzzzz.execute-api.us-east-1.amazonaws.com", None, 403),
        // An endpoint's own DNS name, with the API in a header.
        (
            "vpce-0a1b2c3d4e5f60718-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com",
            Some("a1b2c3d4e5"),
            200,
        ),
        (
            "vpce-0a1b2c3d4e5f60718-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com",
            Some("zzzzzzzzzz"),
            403,
        ),
    ] {
        let mut builder = http::Request::get(format!("https://{host}/prod/orders"));
        if let Some(id) = header_id {
            builder = builder.header("x-apigw-api-id", id);
        }
        let mut request = builder.body(Bytes::new()).unwrap();
        signer.sign(&mut request, sigv4x::Payload::Empty).unwrap();
        // Sent to the listener, with the Host the client signed.
        let (mut parts, body) = request.into_parts();
        parts.uri = "/prod/orders".parse().unwrap();
        let response = send(inside, http::Request::from_parts(parts, body))
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{host}");
        if status == 403 {
            assert_eq!(
                header(&response, "x-amzn-errortype"),
                "ForbiddenException",
                "{host}"
            );
            assert_eq!(json(&response), serde_json::json!({"message": "Forbidden"}));
        }
    }
    // The header names the API when the host is a plain address.
    let mut request = http::Request::get(format!("http://{inside}/prod/orders"))
        .header("x-apigw-api-id", "a1b2c3d4e5")
        .body(Bytes::new())
        .unwrap();
    signer.sign(&mut request, sigv4x::Payload::Empty).unwrap();
    assert_eq!(send(inside, request).await.unwrap().status(), 200);
    gateway.shutdown().await;
}
