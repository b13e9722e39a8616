"""Sign one request with botocore's SigV4Auth and print its headers, one "name: value" per line,
without sending it: the test then sends them with a raw path of its choosing.

usage: botocore_sign.py METHOD URL BODY ACCESS_KEY SECRET_KEY SESSION_TOKEN [NAME:VALUE ...]
"""
import sys
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    method, url, body, key, secret, token = sys.argv[1:7]
    headers = dict(h.split(":", 1) for h in sys.argv[7:])
    request = AWSRequest(method=method, url=url, data=body.encode() or None, headers=headers)
    SigV4Auth(Credentials(key, secret, token or None), "execute-api", "us-east-1").add_auth(request)
    # botocore signs the URL's host; the HTTP client adds the header when it sends.
    if "host" not in {name.lower() for name in request.headers}:
        print(f"host: {urlsplit(url).netloc}")
    for name, value in request.headers.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
