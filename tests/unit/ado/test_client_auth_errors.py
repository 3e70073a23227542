"""AdoClient: headers, rejected PATs, unknown projects/repos, bad URLs, version fallback, bodies."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from flowtui.ado import AdoClient, ConnectionFailure
from flowtui.errors import (
    AdoError,
    ApiVersionError,
    AuthError,
    ConfigError,
    NotFoundError,
    PayloadError,
)

from .helpers import ORG, PAT, FakeTime, error_body, json_response, make_client


def test_every_request_carries_basic_pat_suppress_headers_and_api_version() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(200, {"count": 0, "value": []})

    client = make_client(handler)
    client.get("_apis/wit/workitemtypes", project="My Project")
    request = seen[0]
    # base64(":" + PAT) computed independently of the client
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f":{PAT}".encode()).decode()
    assert request.headers["x-tfs-fedauthredirect"] == "Suppress"
    assert request.headers["x-vss-forcemsapassthrough"] == "true"
    assert request.url.params["api-version"] == "7.1"
    # the project segment is percent-encoded
    assert request.url.raw_path.startswith(b"/contoso/My%20Project/_apis/wit/workitemtypes")


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(401, content=b"", headers={"www-authenticate": 'Basic realm="https://tfsprod.example/"'}),
        httpx.Response(203, content=b"<html><body>Sign in</body></html>", headers={"content-type": "text/html"}),
        httpx.Response(302, headers={"location": "https://login.microsoftonline.com/common/oauth2/authorize?x=1"}),
        httpx.Response(200, content=b"<!DOCTYPE html><html>Sign in to your account</html>", headers={"content-type": "text/html; charset=utf-8"}),
    ],
    ids=["401-empty", "203-html", "302-signin", "200-html"],
)
def test_rejected_pat_is_one_auth_error_without_retry(response: httpx.Response) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return response

    fake = FakeTime()
    client = make_client(handler, fake)
    with pytest.raises(AuthError) as info:
        client.get("_apis/projects")
    message = str(info.value)
    assert ORG in message and "flowtui auth set" in message
    assert PAT not in message
    assert len(calls) == 1  # never retried, redirect never followed
    assert fake.sleeps == []


def test_unknown_project_names_the_project() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(404, error_body(
            "TF200016: The following project does not exist: Nope. Verify that the name of the project is correct.",
            "ProjectDoesNotExistWithNameException"))

    client = make_client(handler)
    with pytest.raises(NotFoundError) as info:
        client.get("_apis/wit/workitemtypes", project="Nope")
    assert "'Nope'" in str(info.value) and ORG in str(info.value)


def test_unknown_repository_is_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(404, error_body(
            "TF401019: The Git repository with name or identifier abc does not exist or you do not have permissions.",
            "GitRepositoryNotFoundException"))

    with pytest.raises(NotFoundError, match="repository"):
        make_client(handler).get("_apis/git/repositories/abc/pullRequests/1/threads", project="P")


def test_unknown_route_text_plain_404_is_not_found_with_url() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(404, content=b"The controller for path '/P/_apis/x' was not found or does not implement IController.",
                              headers={"content-type": "text/plain; charset=utf-8"})

    with pytest.raises(NotFoundError) as info:
        make_client(handler).get("_apis/x", project="P")
    assert "https://dev.azure.com/contoso/P/_apis/x" in str(info.value)
    assert len(calls) == 1


@pytest.mark.parametrize("url", ["dev.azure.com/contoso", "http://example.com/tfs/Coll", "https://", "ftp://x/y", "https://host:99999/c"])
def test_malformed_org_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        AdoClient(url, PAT, transport=httpx.MockTransport(lambda r: json_response(200, {})))
    assert info.value.exit_code == 2


def test_http_is_accepted_for_loopback_only() -> None:
    client = AdoClient("http://127.0.0.1:8080/tfs/Coll/", PAT, transport=httpx.MockTransport(lambda r: json_response(200, {})))
    assert client.org_url == "http://127.0.0.1:8080/tfs/Coll"


def test_version_out_of_range_retries_once_at_named_version_and_remembers_it() -> None:
    versions: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        version = request.url.params["api-version"]
        versions.append(version)
        if version != "6.0":
            return json_response(400, error_body(
                "The requested REST API version of 7.1 is out of range for this server. "
                "The latest REST API version this server supports is 6.0.", "VssVersionOutOfRangeException"))
        return json_response(200, {"count": 0, "value": []})

    client = make_client(handler)
    client.get("_apis/projects")
    client.get("_apis/projects")
    assert versions == ["7.1", "6.0", "6.0"]  # one retry, then the remembered version directly
    assert client.api_version == "6.0"


def test_version_out_of_range_twice_gives_api_version_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["api-version"])
        return json_response(400, error_body(
            f"The requested REST API version of {request.url.params['api-version']} is out of range for this server. "
            "The latest REST API version this server supports is 5.0.", "VssVersionOutOfRangeException"))

    with pytest.raises(ApiVersionError):
        make_client(handler).get("_apis/projects")
    assert calls == ["7.1", "5.0"]


def test_bom_before_json_is_accepted() -> None:
    client = make_client(lambda r: json_response(200, {"count": 1, "value": [{"id": 1}]}, bom=True))
    assert client.get("_apis/projects").data == {"count": 1, "value": [{"id": 1}]}


def test_non_json_body_is_asked_for_twice_then_payload_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=b'{"count":3,"value":[{"id":', headers={"content-type": "application/json"})

    with pytest.raises(PayloadError):
        make_client(handler).get("_apis/projects")
    assert len(calls) == 2


def test_a_body_cut_short_once_is_survived() -> None:
    bodies = [b'{"count":1,"val', b'{"count":1,"value":[{"id":1}]}']

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies.pop(0), headers={"content-type": "application/json"})

    assert make_client(handler).get("_apis/projects").data == {"count": 1, "value": [{"id": 1}]}


def test_plain_text_200_is_payload_error_not_auth() -> None:
    client = make_client(lambda r: httpx.Response(200, content=b"OK", headers={"content-type": "text/plain"}))
    with pytest.raises(PayloadError):
        client.get("_apis/projects")


def test_tf24668_stopped_org_is_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(503, error_body("TF24668: The following team project collection is stopped: contoso."), bom=True)

    fake = FakeTime()
    with pytest.raises(AdoError, match="TF24668") as info:
        make_client(handler, fake).get("_apis/projects")
    assert type(info.value) is AdoError
    assert len(calls) == 1 and fake.sleeps == []


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_never_retried(status: int) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(status, error_body("VS400000: bad request", "SomeException"))

    with pytest.raises(AdoError):
        make_client(handler).get("_apis/projects")
    assert len(calls) == 1


def test_dns_failure_names_host_and_is_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    with pytest.raises(ConnectionFailure) as info:
        make_client(handler).get("_apis/projects")
    assert "dev.azure.com" in str(info.value) and len(calls) == 1


def test_tls_failure_points_to_ca_bundle() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", request=request)

    with pytest.raises(ConnectionFailure, match="ca_bundle"):
        make_client(handler).get("_apis/projects")


def test_pat_never_appears_in_errors_or_log_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bodies = [
        json_response(400, error_body(f"VS1234567: token {PAT} is odd")),  # a server echoing the PAT
        httpx.Response(401),
        json_response(404, error_body(f"TF200016: The following project does not exist: {PAT}.", "ProjectDoesNotExistWithNameException")),
        json_response(503, error_body("TF24668: stopped")),
    ]
    messages = []
    for body in bodies:
        client = make_client(lambda r, body=body: body)
        with pytest.raises(AdoError) as info:
            client.get("_apis/projects", project="P")
        messages.append(str(info.value) + repr(info.value.args) + str(info.value.detail))
    for message in messages:
        assert PAT not in message
    assert all(PAT not in record.getMessage() for record in caplog.records)


def test_preview_only_resource_is_retried_once_with_preview_flag() -> None:
    versions: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        version = request.url.params["api-version"]
        versions.append(version)
        if not version.endswith("-preview.1"):
            return json_response(400, error_body(
                f'The requested version "{version}" of the resource is under preview. The -preview flag must be '
                f'supplied in the api-version for such requests. For example: "{version}-preview"',
                "VssInvalidPreviewVersionException"))
        return json_response(200, {"count": 0, "value": []})

    client = make_client(handler)
    client.get("_apis/wit/workitemtypes/Bug/states", project="P")
    client.get("_apis/wit/workitemtypes/Task/states", project="P")
    assert versions == ["7.1", "7.1-preview.1", "7.1-preview.1"]  # learnt once for the route
    assert client.api_version == "7.1"  # only that request used the preview flag
