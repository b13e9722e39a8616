//! The reference policies of the private cross-account API pattern, and the
//! names they use. The JSON files live in the crate's
//! `examples/reference/` folder; these constants hold the same text.
//!
//! Account A (`111122223333`) runs a Lambda function under the role
//! `orders-lambda-role`, tagged `Project=orders`, and reaches the private
//! API `a1b2c3d4e5` of account B (`444455556666`) through the VPC endpoint
//! `vpce-0a1b2c3d4e5f60718`.

/// The VPC endpoint policy (account A): only the Lambda role, only this
/// API's `prod` stage, only when the role carries `Project=orders`. The tag
/// condition is on the *principal's* tag (`aws:PrincipalTag/Project`): API
/// Gateway sets no `aws:ResourceTag/…` for `execute-api:Invoke`.
pub const ENDPOINT_POLICY: &str = include_str!("../examples/reference/vpce-endpoint-policy.json");

/// The API's resource policy (account B): deny first, for any request not
/// through the expected endpoint; then allow the caller role on `prod`.
pub const RESOURCE_POLICY: &str = include_str!("../examples/reference/api-resource-policy.json");

/// The caller role's identity policy (account A): `execute-api:Invoke` on
/// specific routes, with full ARNs.
pub const IDENTITY_POLICY: &str = include_str!("../examples/reference/caller-identity-policy.json");

/// The caller's account (A).
pub const CALLER_ACCOUNT: &str = "111122223333";
/// The API owner's account (B).
pub const API_ACCOUNT: &str = "444455556666";
/// The API's region.
pub const REGION: &str = "us-east-1";
/// The private API's id.
pub const API_ID: &str = "a1b2c3d4e5";
/// The stage the pattern deploys.
pub const STAGE: &str = "prod";
/// The VPC endpoint the resource policy expects.
pub const VPCE_ID: &str = "vpce-0a1b2c3d4e5f60718";
/// The VPC of that endpoint.
pub const VPC_ID: &str = "vpc-0123456789abcdef0";
/// The Lambda role (the principal the policies name).
pub const CALLER_ROLE: &str = "arn:aws:iam::111122223333:role/orders-lambda-role";
/// A session of that role, as the Lambda function calls (the principal
/// API Gateway reports).
pub const CALLER_SESSION: &str =
    "arn:aws:sts::111122223333:assumed-role/orders-lambda-role/orders-function";

/// The ARN of a call to the reference API's `prod` stage, e.g.
/// `orders_arn("GET", "orders/7")`.
pub fn orders_arn(method: &str, path: &str) -> String {
    crate::execute_api_arn(REGION, API_ACCOUNT, API_ID, STAGE, method, path)
}

/// The three reference policies as one [`Authorizer`](crate::Authorizer), each named after
/// its file (`vpce-endpoint-policy.json`, `api-resource-policy.json`,
/// `caller-identity-policy.json`).
///
/// # Errors
/// None in practice: the reference policies parse. The error is the parser's.
pub fn authorizer() -> Result<crate::Authorizer, crate::ParseError> {
    let named = |name: &str, text: &str| -> Result<_, crate::ParseError> {
        Ok(crate::NamedPolicy::new(name, crate::Policy::parse(text)?))
    };
    Ok(crate::Authorizer::new()
        .with_endpoint_policy(named("vpce-endpoint-policy.json", ENDPOINT_POLICY)?)
        .with_resource_policy(named("api-resource-policy.json", RESOURCE_POLICY)?)
        .with_identity_policy(named("caller-identity-policy.json", IDENTITY_POLICY)?))
}

/// The Lambda function's role session (`CALLER_SESSION`), with its role's unique id.
///
/// # Errors
/// None in practice: the reference names are well formed.
pub fn lambda_caller() -> Result<crate::Caller, crate::CallerError> {
    crate::Caller::role_session(CALLER_ROLE, "orders-function")?
        .with_unique_id("AROAORDERSLAMBDAROLE1")
}

/// The context `sigv4x-gateway` builds for the Lambda's call to `resource` through the
/// reference endpoint at `now`: the same setters in the same order as its pipeline (caller,
/// principal tags `Project=orders` and `Team=fulfilment`, endpoint, VPC, addresses, time, user
/// agent). Benchmarks and allocation tests measure this.
pub fn lambda_context(
    resource: &str,
    caller: &crate::Caller,
    now: std::time::SystemTime,
) -> crate::RequestContext {
    crate::RequestContext::new("execute-api:Invoke", resource)
        .with_current_time(now)
        .with_secure_transport(true)
        .with_caller(caller)
        .with_principal_tag("Project", "orders")
        .with_principal_tag("Team", "fulfilment")
        .with_source_vpce(VPCE_ID)
        .with_vpc_source_ip("10.0.12.34")
        .with_source_vpc(VPC_ID)
        .with_key(
            "aws:UserAgent",
            "aws-sdk-rust/1.3.9 os/linux lang/rust/1.88.0",
        )
}
