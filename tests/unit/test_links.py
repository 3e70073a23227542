"""Azure DevOps web links for work items and pull requests, for the three collection URL forms."""

from __future__ import annotations

import pytest

from flowtui.errors import ConfigError
from flowtui.reporting.links import pull_request_url, work_item_url


@pytest.mark.parametrize(("org", "base"), [
    ("https://dev.azure.com/contoso", "https://dev.azure.com/contoso"),
    ("https://dev.azure.com/contoso/", "https://dev.azure.com/contoso"),
    ("https://contoso.visualstudio.com", "https://contoso.visualstudio.com"),
    ("https://contoso.visualstudio.com/DefaultCollection", "https://contoso.visualstudio.com/DefaultCollection"),
    ("https://ado.example.org/tfs/Main", "https://ado.example.org/tfs/Main"),
])
def test_work_item_and_pr_urls_for_every_collection_form(org: str, base: str) -> None:
    assert work_item_url(org, "Fabrikam", 42) == f"{base}/Fabrikam/_workitems/edit/42"
    assert pull_request_url(org, "Fabrikam", "web", 7) == f"{base}/Fabrikam/_git/web/pullrequest/7"


def test_names_are_encoded_as_path_segments() -> None:
    assert work_item_url("https://dev.azure.com/o", "My Project", 1) == "https://dev.azure.com/o/My%20Project/_workitems/edit/1"
    url = pull_request_url("https://dev.azure.com/o", "P", "a/b?c#d", 3)
    assert url == "https://dev.azure.com/o/P/_git/a%2Fb%3Fc%23d/pullrequest/3"


@pytest.mark.parametrize("org", ["", "not a url", "http://example.com/tfs/x"])
def test_no_usable_org_url_is_a_config_error(org: str) -> None:
    with pytest.raises(ConfigError, match="ado.org_url"):
        work_item_url(org, "P", 1)
