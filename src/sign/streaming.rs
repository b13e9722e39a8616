//! Step 5, for streaming uploads: sign the request of an aws-chunked body and hand back the
//! encoder that signs its chunks, chained from the request's signature. The mirror of
//! [`Verifier::chunk_decoder`](crate::Verifier::chunk_decoder).

use std::time::SystemTime;

use crate::chunked::{ChunkEncodeError, ChunkEncoder, StreamingPlan};

use super::Signer;

impl Signer {
    /// Signs `request` for an aws-chunked body as of `time` and returns the encoder of that
    /// body: see [`sign_streaming_at`](crate::sign_streaming_at), which this is.
    ///
    /// # Errors
    /// As [`sign_streaming_at`](crate::sign_streaming_at).
    pub fn sign_streaming_at<B>(
        &self,
        request: &mut http::Request<B>,
        plan: StreamingPlan,
        time: SystemTime,
    ) -> Result<ChunkEncoder, ChunkEncodeError> {
        crate::chunked::sign_streaming_at(self, request, plan, time)
    }
}
