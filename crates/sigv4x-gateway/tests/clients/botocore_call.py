"""Sign one request with botocore's SigV4Auth and send it; print the status, then the body.

usage: botocore_call.py METHOD URL BODY ACCESS_KEY SECRET_KEY SESSION_TOKEN
"""
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session


def main():
    method, url, body, key, secret, token = sys.argv[1:7]
    credentials = Credentials(key, secret, token or None)
    headers = {"content-type": "application/json"} if body else {}
    request = AWSRequest(method=method, url=url, data=body.encode() or None, headers=headers)
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    response = URLLib3Session().send(request.prepare())
    print(response.status_code)
    print(response.headers.get("x-amzn-ErrorType", "-"))
    print(response.text)


if __name__ == "__main__":
    main()
